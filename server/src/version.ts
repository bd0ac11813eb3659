/** Replaced by the bundler with package.json's version; the fallback serves compiled-source runs (tests). */
declare const POLA_VERSION: string | undefined;

export const VERSION: string =
  typeof POLA_VERSION === "string" ? POLA_VERSION : (require("../../../package.json") as { version: string }).version;
