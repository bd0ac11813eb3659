import { GUIX_RULES } from "./guix/index";
import { NIXOS_RULES } from "./nixos/index";
import { USED_RULES } from "./used/index";
import { DEPLOY_RULES } from "./deploy/index";
import type { Rule } from "./rule";

/**
 * Every rule pola knows, one file each. Ids are stable: they appear in suppression comments,
 * settings and CI configurations.
 */
export const RULES: readonly Rule[] = [...GUIX_RULES, ...NIXOS_RULES, ...USED_RULES, ...DEPLOY_RULES];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
