import * as fs from "node:fs";
import * as path from "node:path";
import picomatch from "picomatch";
import type { Severity } from "../model/finding";
import { DEFAULT_SETTINGS, type Settings } from "../rules/rule";

/**
 * `.pola.json`, shared by the CLI and the editor:
 * `{ "rules": { "guix/unconfined": "off" }, "exposureThreshold": 7.5, "ignore": ["vendor/**"] }`.
 * Editor settings, when given, override it rule by rule.
 */
export interface PolaConfig {
  rules?: Record<string, Severity | "off">;
  exposureThreshold?: number;
  ignore?: string[];
}

export const CONFIG_FILE = ".pola.json";

export class ConfigError extends Error {}

/** The nearest .pola.json at or above `dir`, or undefined. */
export function findConfig(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const candidate = path.join(d, CONFIG_FILE);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(d) === d) return undefined;
  }
}

const SEVERITIES = new Set(["error", "warning", "information", "hint", "off"]);

export function readConfig(file: string): PolaConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(`${file}: expected a JSON object`);
  const r = raw as Record<string, unknown>;
  const config: PolaConfig = {};
  if (r.rules !== undefined) {
    if (!r.rules || typeof r.rules !== "object") throw new ConfigError(`${file}: "rules" must be an object of rule id → severity`);
    config.rules = {};
    for (const [id, value] of Object.entries(r.rules as Record<string, unknown>)) {
      if (typeof value !== "string" || !SEVERITIES.has(value)) throw new ConfigError(`${file}: rule ${id}: severity must be one of error, warning, information, hint, off`);
      config.rules[id] = value as Severity | "off";
    }
  }
  if (r.exposureThreshold !== undefined) {
    if (typeof r.exposureThreshold !== "number" || r.exposureThreshold < 0 || r.exposureThreshold > 10) throw new ConfigError(`${file}: "exposureThreshold" must be a number from 0 to 10`);
    config.exposureThreshold = r.exposureThreshold;
  }
  if (r.ignore !== undefined) {
    if (!Array.isArray(r.ignore) || r.ignore.some((x) => typeof x !== "string")) throw new ConfigError(`${file}: "ignore" must be a list of glob patterns`);
    config.ignore = r.ignore as string[];
  }
  return config;
}

/** Settings from a config file, with editor settings (when given) on top. */
export function mergeSettings(config: PolaConfig | undefined, editor?: { severities?: Settings["severities"]; exposureThreshold?: number; codeLens?: boolean }): Settings {
  return {
    severities: { ...(config?.rules ?? {}), ...(editor?.severities ?? {}) },
    exposureThreshold: editor?.exposureThreshold ?? config?.exposureThreshold ?? DEFAULT_SETTINGS.exposureThreshold,
    codeLens: editor?.codeLens ?? DEFAULT_SETTINGS.codeLens,
  };
}

/** A predicate for the config's ignore globs, relative to the config file's folder. */
export function ignoreMatcher(config: PolaConfig | undefined, configFile: string | undefined): (file: string) => boolean {
  if (!config?.ignore?.length || !configFile) return () => false;
  const base = path.dirname(configFile);
  const match = picomatch(config.ignore, { dot: true });
  return (file) => {
    const relative = path.relative(base, path.resolve(file)).split(path.sep).join("/");
    return !relative.startsWith("..") && match(relative);
  };
}
