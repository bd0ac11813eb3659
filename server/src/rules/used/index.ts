import type { Rule } from "../rule";
import { usedRacyMkdirPPerms } from "./racy-mkdir-p-perms";
import { usedRootUnconfined } from "./root-unconfined";
import { usedUnsafeRootOp } from "./unsafe-root-op";

/**
 * Rules about the services a configuration uses, read from their definitions in the installed Guix
 * or nixpkgs (the catalog). Language "any": catalog/apply.ts runs them when a catalog is there.
 */
export const USED_RULES: readonly Rule[] = [usedUnsafeRootOp, usedRootUnconfined, usedRacyMkdirPPerms];
