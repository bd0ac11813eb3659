import type { Rule } from "../rule";
import { conflictingUpdate } from "./conflicting-update";
import { noBaseline } from "./no-baseline";
import { snipingWindow } from "./sniping-window";

/** The `guix deploy` rules: the order of the machine list against the update's access changes. */
export const DEPLOY_RULES: readonly Rule[] = [snipingWindow, conflictingUpdate, noBaseline];
