/**
 * Fault rules: which request gets which fault. Rules are tried in the order added; the
 * first live rule that matches decides the request: it lets the request through while its
 * `skip` lasts, then applies its fault `times` times.
 *
 * @module
 */

import type { Fault, FaultRule, RequestRange } from "./types.ts";

/** What a rule is matched against. */
export interface FaultRequest {
  method: string;
  bucket: string;
  key: string;
  range?: RequestRange;
}

interface LiveRule {
  rule: FaultRule;
  times: number;
  skip: number;
}

const KINDS = new Set<Fault["kind"]>([
  "drop",
  "stall",
  "status",
  "ignore-range",
  "wrong-content-range",
  "lie-content-range",
  "short-body",
  "corrupt",
  "replace",
]);

/** The rules of one mock server. */
export class FaultBook {
  #rules: LiveRule[] = [];

  /** Adds a rule after the existing ones. Throws TypeError/RangeError on a malformed rule. */
  add(rule: FaultRule): void {
    validate(rule);
    this.#rules.push({ rule, times: rule.times ?? 1, skip: rule.skip ?? 0 });
  }

  /** Removes all rules. */
  clear(): void {
    this.#rules = [];
  }

  /** How many applications are still to come (Infinity if a rule never runs out). */
  pending(): number {
    return this.#rules.reduce((sum, r) => sum + r.times, 0);
  }

  /** The fault for this request, if any, consuming one skip or one application. */
  take(req: FaultRequest): Fault | undefined {
    for (const live of this.#rules) {
      if (live.times <= 0 || !matches(live.rule, req)) continue;
      if (live.skip > 0) {
        live.skip--;
        return undefined;
      }
      live.times--;
      return live.rule.fault;
    }
    return undefined;
  }
}

function matches(rule: FaultRule, req: FaultRequest): boolean {
  if (rule.method !== undefined && rule.method !== req.method) return false;
  if (rule.key !== undefined && rule.key !== req.key) return false;
  if (rule.bucket !== undefined && rule.bucket !== req.bucket) return false;
  return rule.when ? rule.when(req) : true;
}

function validate(rule: FaultRule): void {
  const fault = rule.fault as Fault | undefined;
  if (!fault || !KINDS.has(fault.kind)) {
    throw new TypeError(`unknown fault kind: ${JSON.stringify(fault?.kind)}`);
  }
  const counts: [string, number | undefined][] = [["times", rule.times], ["skip", rule.skip]];
  for (const [name, value] of Object.entries(fault)) {
    if (typeof value === "number") counts.push([`fault.${name}`, value]);
  }
  const shifted = fault.kind === "wrong-content-range" || fault.kind === "lie-content-range";
  if (shifted && !Number.isInteger(fault.shift)) {
    throw new RangeError(`fault rule: fault.shift must be an integer, got ${fault.shift}`);
  }
  for (const [name, value] of counts) {
    if (value === undefined || name === "fault.shift") continue;
    if (!(value >= 0) || (!Number.isInteger(value) && value !== Infinity)) {
      throw new RangeError(`fault rule: ${name} must be a non-negative integer, got ${value}`);
    }
  }
  if (fault.kind === "status" && !(fault.status >= 200 && fault.status <= 599)) {
    throw new RangeError(`fault rule: status must be 200-599, got ${fault.status}`);
  }
}
