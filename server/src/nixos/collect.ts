/**
 * Walks a module's evaluated value the way the NixOS module system would merge it, and collects every
 * definition under `systemd.services.<unit>` (and `users.users`/`users.groups`), each with the
 * conditions (mkIf, if, optionalAttrs) and the priority (mkDefault, mkForce, mkOverride) it is under.
 */
import {
  emptyAttrs,
  Env,
  Evaluator,
  Lazy,
  NORMAL_PRIORITY,
  sameCond,
  toListAV,
  type AttrsAV,
  type AV,
  type Cond,
  type Contribution,
} from "./eval";
import { configWithDefaults, declaredOptionDefaults } from "./options";
import { field, namedKids, type Node } from "./syntax";

export type Section = "serviceConfig" | "confinement" | "unitConfig" | "environment" | "unit";

const SECTIONS = new Set<string>(["serviceConfig", "confinement", "unitConfig", "environment"]);

/** One definition of one option of one unit. */
export interface Def {
  section: Section;
  key: string;
  /** The key is a pattern (`"X-${n}"`) rather than a name. */
  keyPattern: boolean;
  lazy: Lazy;
  valueNode?: Node;
  keyNode?: Node;
  binding?: Node;
  conds: Cond[];
  prio: number;
  /** The attr naming the unit and the binding it is in. */
  unitNameNode?: Node;
  unitBinding?: Node;
  /** The binding that provides the option segment (`serviceConfig`, `after`, …) under the unit. */
  optionBinding?: Node;
  optionKeyNode?: Node;
  /** Added by pola (confinement's settings), not written in the file. */
  synthetic?: boolean;
}

export interface Opaque {
  section: Section;
  why: string;
  conds: Cond[];
}

export interface UnitAcc {
  key: string;
  pattern: boolean;
  defs: Def[];
  opaque: Opaque[];
  /** Conditions every definition of the unit is under (the unit exists only then). */
  when: Cond[];
  /** Every place the unit is named, with the binding it is named in (document order of evaluation). */
  names: { node?: Node; binding?: Node }[];
}

export interface AccountAcc {
  kind: "user" | "group";
  name: string;
  keyNode?: Node;
  binding?: Node;
  fields: Map<string, Lazy>;
}

export interface Collected {
  units: UnitAcc[];
  accounts: AccountAcc[];
  /** Things that could not be followed: `systemd.services = <unknown>`, … */
  notes: string[];
}

type Stage = "root" | "systemd" | "services" | "unit" | "section" | "users" | "usersKind" | "account";

interface Ctx {
  conds: Cond[];
  prio: number;
  /** The unit being read (registered on its first definition: a unit under mkIf false does not exist). */
  unit?: { key: string; pattern: boolean };
  section?: Section;
  unitNameNode?: Node;
  unitBinding?: Node;
  optionBinding?: Node;
  optionKeyNode?: Node;
  accountKind?: "user" | "group";
  account?: AccountAcc;
}

export class Collector {
  private readonly units = new Map<string, UnitAcc>();
  private readonly accounts = new Map<string, AccountAcc>();
  private readonly notes: string[] = [];

  constructor(readonly ev: Evaluator) {}

  /** Evaluates the module (a function of the module arguments, or a set) and collects its units. */
  collectModule(root: Node): Collected {
    const expr = field(root, "expression") ?? namedKids(root)[0];
    if (expr) {
      let av = this.ev.eval(expr, new Env(null, null, null, null));
      // A module is usually `{ config, lib, pkgs, ... }: { … }`: apply it to unknown arguments, except
      // that `config` holds the defaults of the options the module declares itself.
      const config = av.t === "lambda" ? configWithDefaults(declaredOptionDefaults(this.ev, root)) : undefined;
      if (config && av.t === "lambda") {
        const args = emptyAttrs();
        args.fields.set("config", [{ lazy: Lazy.of(config) }]);
        args.opaque.push("module arguments");
        av = this.ev.apply(av, { lazy: Lazy.of(args) });
      }
      for (let i = 0; i < 3 && av.t === "lambda"; i++) av = this.ev.applyToUnknowns(av, 1).result;
      this.collect(av, "root", { conds: [], prio: NORMAL_PRIORITY });
    }
    const units = [...this.units.values()];
    for (const u of units) stripUnitConditions(u);
    return { units, accounts: [...this.accounts.values()], notes: this.notes };
  }

  private depth = 0;

  private collect(av: AV, stage: Stage, ctx: Ctx): void {
    if (this.depth > 200) {
      this.opaque(stage, ctx, "definitions nested too deeply");
      return;
    }
    this.depth++;
    try {
      this.collectValue(av, stage, ctx);
    } finally {
      this.depth--;
    }
  }

  private collectValue(av: AV, stage: Stage, ctx: Ctx): void {
    switch (av.t) {
      case "mkIf":
        this.collect(av.body.get(), stage, { ...ctx, conds: [...ctx.conds, av.cond] });
        return;
      case "override":
        this.collect(av.body.get(), stage, { ...ctx, prio: av.prio });
        return;
      case "merge": {
        const list = toListAV(this.ev, av.list.get());
        for (const it of list.items) this.collect(it.lazy.get(), stage, it.when.length ? { ...ctx, conds: [...ctx.conds, ...it.when] } : ctx);
        for (const why of list.opaque) this.opaque(stage, ctx, why);
        return;
      }
      case "cond":
        this.collect(av.then.get(), stage, { ...ctx, conds: [...ctx.conds, av.cond] });
        this.collect(av.else.get(), stage, { ...ctx, conds: [...ctx.conds, { text: av.cond.text, negated: !av.cond.negated }] });
        return;
      case "attrs":
        this.collectAttrs(av, stage, ctx);
        return;
      case "unknown":
        this.opaque(stage, ctx, av.why);
        return;
      case "optdef":
        this.opaque(stage, ctx, av.text);
        return;
      default:
        return;
    }
  }

  private collectAttrs(a: AttrsAV, stage: Stage, ctx: Ctx): void {
    for (const [name, contribs] of a.fields) for (const c of contribs) this.descend(stage, name, false, c, ctx);
    for (const [pattern, contribs] of a.dyn) for (const c of contribs) this.descend(stage, pattern, true, c, ctx);
    for (const why of a.opaque) this.opaque(stage, ctx, why);
  }

  private descend(stage: Stage, key: string, pattern: boolean, c: Contribution, ctx0: Ctx): void {
    const ctx = c.when && c.when.length ? { ...ctx0, conds: [...ctx0.conds, ...c.when] } : ctx0;
    switch (stage) {
      case "root":
        if (pattern) return;
        if (key === "config") this.collect(c.lazy.get(), "root", ctx);
        else if (key === "systemd") this.collect(c.lazy.get(), "systemd", ctx);
        else if (key === "users") this.collect(c.lazy.get(), "users", ctx);
        return;
      case "systemd":
        if (!pattern && key === "services") this.collect(c.lazy.get(), "services", ctx);
        return;
      case "services": {
        this.collect(c.lazy.get(), "unit", { ...ctx, unit: { key, pattern }, unitNameNode: c.keyNode, unitBinding: c.binding });
        return;
      }
      case "unit":
        if (!pattern && SECTIONS.has(key)) {
          this.collect(c.lazy.get(), "section", { ...ctx, section: key as Section, optionBinding: c.binding, optionKeyNode: c.keyNode });
          return;
        }
        this.emit("unit", key, pattern, c, { ...ctx, optionBinding: c.binding, optionKeyNode: c.keyNode });
        return;
      case "section":
        this.emit(ctx.section!, key, pattern, c, ctx);
        return;
      case "users":
        if (!pattern && (key === "users" || key === "groups")) this.collect(c.lazy.get(), "usersKind", { ...ctx, accountKind: key === "users" ? "user" : "group" });
        return;
      case "usersKind": {
        if (pattern) return;
        const id = `${ctx.accountKind}:${key}`;
        let acc = this.accounts.get(id);
        if (!acc) {
          acc = { kind: ctx.accountKind!, name: key, keyNode: c.keyNode, binding: c.binding, fields: new Map() };
          this.accounts.set(id, acc);
        }
        this.collect(c.lazy.get(), "account", { ...ctx, account: acc });
        return;
      }
      case "account":
        if (!pattern && !ctx.account!.fields.has(key)) ctx.account!.fields.set(key, c.lazy);
        return;
    }
  }

  private emit(section: Section, key: string, pattern: boolean, c: Contribution, ctx: Ctx): void {
    this.unitOf(ctx).defs.push({
      section,
      key,
      keyPattern: pattern,
      lazy: c.lazy,
      valueNode: c.valueNode,
      keyNode: c.keyNode,
      binding: c.binding,
      conds: ctx.conds,
      prio: ctx.prio,
      unitNameNode: ctx.unitNameNode,
      unitBinding: ctx.unitBinding,
      optionBinding: ctx.optionBinding,
      optionKeyNode: ctx.optionKeyNode,
    });
  }

  private opaque(stage: Stage, ctx: Ctx, why: string): void {
    if (stage === "unit" || stage === "section") {
      this.unitOf(ctx).opaque.push({ section: stage === "unit" ? "unit" : ctx.section!, why, conds: ctx.conds });
    } else if (stage === "services") {
      this.notes.push(`units generated by ${why} cannot be read statically`);
    }
  }

  private readonly nameSeen = new Set<string>();

  /** The unit a definition belongs to, registering it and the place it is named. */
  private unitOf(ctx: Ctx): UnitAcc {
    const { key, pattern } = ctx.unit!;
    const id = (pattern ? "p:" : "n:") + key;
    let u = this.units.get(id);
    if (!u) {
      u = { key, pattern, defs: [], opaque: [], when: [], names: [] };
      this.units.set(id, u);
    }
    const nameId = `${id}|${ctx.unitNameNode?.id ?? "-"}|${ctx.unitBinding?.id ?? "-"}`;
    if (!this.nameSeen.has(nameId)) {
      this.nameSeen.add(nameId);
      u.names.push({ node: ctx.unitNameNode, binding: ctx.unitBinding });
    }
    return u;
  }
}

/** Conditions shared by every definition of a unit gate the unit itself; the rest stay on the definitions. */
function stripUnitConditions(u: UnitAcc): void {
  const all = [...u.defs.map((d) => d.conds), ...u.opaque.map((o) => o.conds)];
  if (all.length === 0) return;
  let common = all[0]!;
  for (const cs of all.slice(1)) common = common.filter((c) => cs.some((x) => sameCond(x, c)));
  u.when = common;
  if (common.length === 0) return;
  const strip = (cs: Cond[]) => cs.filter((c) => !common.some((x) => sameCond(x, c)));
  for (const d of u.defs) d.conds = strip(d.conds);
  for (const o of u.opaque) o.conds = strip(o.conds);
}

