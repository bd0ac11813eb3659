import type { Value } from "../model/value";
import type { ClaimIndex } from "../model/claims";
import type { Account, PathClaim, RootOp } from "../model/service";
import type { Env, TopLevel } from "./scope";
import type { Atom, Datum, List } from "./sexp";
import type { CallSite, WalkResult } from "./walk";
import type { ResolveContext } from "./resolve";

/** A path operation found in code, before it is attributed to a service. */
export interface PathOp {
  site: CallSite;
  op: string;
  /** The argument that is the path written or changed. */
  pathArg: Datum | undefined;
  path: Value<string>;
  followsSymlinks: boolean;
  phase: RootOp["phase"] | "gexp";
  /** Service name the op runs for, when attributed. */
  service?: string;
  /** For chown: the account the path is given to. */
  account?: string;
  under?: PathClaim;
  /** Recursive: applied over (find-files …) or a walk. */
  recursive?: boolean;
}

/** `(mkdir-p P)` followed by `(chown P …)` [and `(chmod P …)`] in one body. */
export interface MkdirChownGroup {
  mkdir: PathOp;
  chown: PathOp;
  chmod?: PathOp;
  /** The owner expression to give mkdir-p/perms: `(getpwnam "foo")` text or a passwd variable. */
  owner?: string;
  mode?: string;
}

export interface ConstructorInfo {
  service: string;
  /** The shepherd-service record. */
  record: List;
  /** The `(start …)` field. */
  start?: List;
  /** The constructor call, e.g. (make-forkexec-constructor …). */
  call?: List;
  constructorName?: string;
  /** Keywords that carry privileges: on the constructor, or on `(command …)` for timers. */
  keywords: Map<string, { key: Atom; value: Datum | undefined }>;
  /** The list carrying the keywords (constructor call or command form). */
  keywordOwner?: List;
  /** The command's program (first element of the command list). */
  program?: Datum;
  commandList?: List;
  wrapper?: { call: List; keywords: Map<string, { key: Atom; value: Datum | undefined }>; at: Datum };
  env: Env;
}

export interface ShadowDefinition {
  form: List;
  name: string;
  params: string[];
  /** The account the local definition chowns to, when it can be read. */
  owner?: string;
  /** The `(getpwnam …)` form the definition takes that account from, as written. */
  ownerExpression?: string;
  /** The list the definition sits in: calls inside it see the same variables as the definition. */
  scope?: { start: number; end: number };
  /** Where it is defined: top level, or inside a gexp/body. */
  env: Env;
}

/** A span of code that runs for a service: its activation, or the `start` of a shepherd service. */
export interface ServiceRegion {
  start: number;
  end: number;
  service: string;
  phase: "activation" | "start";
}

/** A `(service-type …)` record: its name and the code of the extensions that matter for authority. */
export interface ServiceTypeInfo {
  name: string;
  form: List;
  nameDatum: Datum;
  /** The top-level define the record sits in. */
  defineName?: string;
  /** Procedures (or forms) extending activation-service-type. */
  activation: Datum[];
  /** Procedures extending shepherd-root-service-type. */
  shepherd: Datum[];
  /** Procedures extending account-service-type. */
  accounts: Datum[];
  /** The `(service-extension account-service-type …)` form, when there is one. */
  accountExtension?: List;
  /** Names of the user accounts its account extension declares (when they can be read). */
  accountNames: string[];
}

export interface GuixDetails {
  data: Datum[];
  top: TopLevel;
  walk: WalkResult;
  ctx: ResolveContext;
  ops: PathOp[];
  groups: MkdirChownGroup[];
  constructors: ConstructorInfo[];
  shadows: ShadowDefinition[];
  accounts: Account[];
  claims: PathClaim[];
  /** The same claims, indexed by directory. */
  claimIndex: ClaimIndex;
  /** define-module form, for adding imports. */
  moduleForm?: List;
  serviceTypes: ServiceTypeInfo[];
  /** Code regions and the service they run for (innermost first). */
  regions: ServiceRegion[];
}
