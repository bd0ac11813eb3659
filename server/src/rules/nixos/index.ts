import type { Rule } from "../rule";

/** The NixOS rules, one file each. */
export const NIXOS_RULES: readonly Rule[] = [];
