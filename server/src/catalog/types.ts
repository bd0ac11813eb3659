import type { Range } from "../model/range";
import type { Authority, Service } from "../model/service";

/** Where a service is defined: a file (absolute path) and a 0-based position, as LSP counts. */
export interface DefinedIn {
  file: string;
  line: number;
  character: number;
}

/**
 * What the catalog keeps of one service definition: a summary, never a tree. Guix entries are keyed
 * by the variable a configuration refers to (`tor-service-type`), NixOS entries by the option path a
 * configuration enables (`services.tor`).
 */
export interface CatalogEntry {
  key: string;
  language: "guix" | "nix";
  /** The service's own name: the service-type's `name` field, or the main systemd unit. */
  service: string;
  definedIn: DefinedIn;
  /** Found in the workspace (a checkout or channel) or in the installed Guix / nixpkgs source. */
  origin: "workspace" | "installed";
  /** Ranges inside refer to definedIn.file. */
  authority: Authority;
  /** NixOS: every systemd unit the module defines. Guix: its shepherd services. */
  units: string[];
  /** Settings of that service that change its authority (`user` field, `services.tor.user`). */
  settings: string[];
  /** Guix: mkdir-p/perms calls in its activation below a directory a service account owns. */
  mkdirPPermsBelow?: { path: string; under: string; account: string; line: number }[];
  /** NixOS: the activation scripts (`system.activationScripts.<name>`) with an unsafe step. */
  unsafeScripts?: string[];
}

/** A Guix list of services (`%base-services`): the service types it holds and the lists it includes. */
export interface ServiceList {
  name: string;
  types: string[];
  includes: string[];
  definedIn: DefinedIn;
}

/** Which mkdir-p/perms the indexed Guix has (gnu/build/activation.scm). */
export interface GuixVersionInfo {
  /** safe: openat/O_NOFOLLOW based (late 2024 on); racy: path-based; absent: not defined there. */
  mkdirPPerms: "safe" | "racy" | "absent";
  file: string;
  line: number;
}

/** What indexing one file yields. */
export interface FileIndex {
  mtimeMs: number;
  size: number;
  entries: CatalogEntry[];
  lists?: ServiceList[];
  activation?: GuixVersionInfo;
}

/** How a configuration uses a service. */
export type Usage = "service" | "modify-services" | "enable";

/** A service a configuration uses, with the authority its definition gives it. */
export interface UsedService extends Service {
  kind: "used-service";
  entry: CatalogEntry;
  usage: Usage;
  /** NixOS: the condition the `enable` is under, when it is not plainly true. */
  when?: string;
}

export function isUsedService(s: Service): s is UsedService {
  return s.kind === "used-service" && (s as Partial<UsedService>).entry !== undefined;
}

/** A list (`%base-services`) a configuration uses, where it is named. */
export interface UsedList {
  name: string;
  range: Range;
  list: ServiceList;
  /** Service types removed with `(delete x-service-type)` in a modify-services over the list. */
  deleted: string[];
}
