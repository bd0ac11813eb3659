import type { Rule } from "../rule";
import { confinementStartOnlyRule } from "./confinement-start-only";
import { exposureRule } from "./exposure";
import { rootOpInServiceDirRule } from "./root-op-in-service-dir";
import { runsAsRootRule } from "./runs-as-root";
import { secretInStoreRule } from "./secret-in-store";
import { sharedNobodyRule } from "./shared-nobody";
import { unconfinedRule } from "./unconfined";
import { unitOptionInServiceConfigRule } from "./unit-option-in-serviceConfig";
import { unknownDirectiveRule } from "./unknown-directive";

/** The NixOS rules, one file each. */
export const NIXOS_RULES: readonly Rule[] = [
  runsAsRootRule,
  exposureRule,
  unconfinedRule,
  sharedNobodyRule,
  unknownDirectiveRule,
  unitOptionInServiceConfigRule,
  confinementStartOnlyRule,
  secretInStoreRule,
  rootOpInServiceDirRule,
];
