import * as path from "node:path";

/** The repository root, from build/test/helpers. */
export const ROOT = path.resolve(__dirname, "../../..");
export const FIXTURES = path.join(ROOT, "test", "fixtures");
export const POLA_BIN = path.join(ROOT, "bin", "pola");
export const SERVER_BIN = path.join(ROOT, "bin", "pola-language-server");
