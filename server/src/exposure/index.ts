export * from "./score";
export { SCORED_SERVICE_DIRECTIVES } from "./unit";
export { INSTALL_DIRECTIVES, UNIT_DIRECTIVES } from "./directives";
