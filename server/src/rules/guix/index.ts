import type { Rule } from "../rule";
import { logFileInServiceDir } from "./log-file-in-service-dir";
import { mkdirChown } from "./mkdir-chown";
import { namespacedRoot } from "./namespaced-root";
import { recursiveChown } from "./recursive-chown";
import { removedContainerApi } from "./removed-container-api";
import { rootOpInServiceDir } from "./root-op-in-service-dir";
import { runsAsRoot } from "./runs-as-root";
import { secretInStore } from "./secret-in-store";
import { shadowedMkdirPPerms } from "./shadowed-mkdir-p-perms";
import { sharedNobody } from "./shared-nobody";
import { statSymlinkCheck } from "./stat-symlink-check";
import { unconfined } from "./unconfined";
import { userWithoutGroup } from "./user-without-group";

/** The Guix rules, one file each. recursive-chown runs before root-op so it can claim its ops. */
export const GUIX_RULES: readonly Rule[] = [
  recursiveChown,
  rootOpInServiceDir,
  mkdirChown,
  shadowedMkdirPPerms,
  statSymlinkCheck,
  runsAsRoot,
  userWithoutGroup,
  unconfined,
  namespacedRoot,
  logFileInServiceDir,
  removedContainerApi,
  sharedNobody,
  secretInStore,
];
