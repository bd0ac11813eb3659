import type { Service } from "../model/service";
import { jsonService, type JsonService } from "../cli/report";
import { isUsedService } from "./types";

/**
 * A service in the CLI's JSON (contract v1): used services add where they are defined and how they
 * are used; the authority fields are the same as for any service.
 */
export function jsonServiceWithCatalog(service: Service): JsonService {
  const base = jsonService(service);
  if (!isUsedService(service)) return base;
  const e = service.entry;
  const out: JsonService = {
    ...base,
    definedIn: { file: e.definedIn.file, line: e.definedIn.line + 1 },
    origin: e.origin,
    usage: service.usage,
    service: e.service,
    units: e.units,
    rootOps: e.authority.rootOps.length,
    unsafeRootOps: e.authority.rootOps.filter((o) => o.under).length,
    writable: e.authority.writable.map((w) => ({ path: w.path, account: w.account })),
  };
  if (service.when) out.when = service.when;
  return out;
}
