// A filter as the SDK sends it (MongoDB's query language, what `find`, `find_one`, `count`,
// `update_one` and `delete_*` take) compiled to a SQL condition over the stored JSON. Semantics
// follow the platform's: a condition on a field that holds an array matches when any element does
// (and `{"tags": ["a", "b"]}` matches the whole array), a path through an array of objects looks
// into each, comparisons only match values of the same type, `{"f": null}` matches a missing
// field. Anything not supported is refused with INVALID_ARGUMENT naming the operator.
import { invalid } from './errors';
import { isIndex, jsonPath, parsePath, quote, type Path } from './paths';
import { FALSE, TRUE, join, literal, raw, sql, type Sql } from './sql';
import { isPlainObject, type Json } from './values';
import { kind } from './input';
import { compileRegex } from './regex';

export const FILTER_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$regex', '$options', '$not', '$all', '$size', '$elemMatch'];
export const TOP_LEVEL_OPERATORS = ['$and', '$or', '$nor', '$comment'];

/** A predicate over one JSON value: its SQL value and its json_type(). */
type Pred = (v: Sql, t: Sql) => Sql;
/** Applies a predicate where a field condition looks (the field's value, or its array elements). */
type Matcher = (pred: Pred, opts: { elements: boolean; matchesMissing?: boolean }) => Sql;

interface Ctx {
  alias: number;
}

/** A top-level equality every match must meet (an equality index can find its candidates). */
export interface EqualityHint {
  field: string;
  jpath: string;
  value: string | number | boolean;
}

/** The condition for `filter` over the JSON document `src` (a column or an element's value). */
export function compileFilter(filter: Record<string, Json>, src: Sql = raw('d.doc'), top = true, ctx: Ctx = { alias: 0 }, hints?: EqualityHint[]): Sql {
  const parts: Sql[] = [];
  for (const key of Object.keys(filter)) {
    const value = filter[key]!;
    if (key.startsWith('$')) {
      if (key === '$comment') continue;
      if (key === '$and' || key === '$or' || key === '$nor') {
        if (!Array.isArray(value) || value.length === 0) throw invalid(`filter: ${key} takes a non-empty array of filters, not ${kind(value)}`);
        const subs = value.map((f, i) => {
          if (!isPlainObject(f)) throw invalid(`filter: ${key}[${i}] must be an object, not ${kind(f)}`);
          // Only a conjunction's equalities hold for every match.
          return compileFilter(f, src, top, ctx, key === '$and' ? hints : undefined);
        });
        const joined = join(subs.map((s) => sql`(${s})`), key === '$and' ? ' AND ' : ' OR ');
        parts.push(key === '$nor' ? sql`NOT (${joined})` : joined);
        continue;
      }
      throw invalid(`filter: unknown top-level operator ${quote(key)}; supported: ${TOP_LEVEL_OPERATORS.join(', ')} (field operators such as $gt go inside a field: {"price": {"$gt": 5}})`);
    }
    const path = parsePath(key, 'filter');
    if (hints && path.length === 1 && key !== '_id') {
      const v = isPlainObject(value) && Object.keys(value).length === 1 && '$eq' in value ? value.$eq : value;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') hints.push({ field: key, jpath: jsonPath(path), value: v });
    }
    parts.push(fieldCondition(key, path, value, src, top, ctx));
  }
  if (!parts.length) return TRUE;
  return join(parts.map((p) => sql`(${p})`), ' AND ');
}

function fieldCondition(field: string, path: Path, cond: Json, src: Sql, top: boolean, ctx: Ctx): Sql {
  const isId = field === '_id';
  if (isId) cond = normalizeIdCondition(cond);
  const matcher: Matcher = (pred, opts) => match(src, path, pred, opts, ctx);
  if (isPlainObject(cond) && Object.keys(cond).some((k) => k.startsWith('$'))) {
    const fast = isId && top ? idFastPath(cond) : undefined;
    return fast ?? operatorConditions(field, cond, matcher, ctx);
  }
  // The id column holds each document's _id as JSON text, indexed: equality needs no JSON work.
  if (isId && top && (typeof cond === 'string' || typeof cond === 'number')) return sql`d.id = ${JSON.stringify(cond)}`;
  return eqCondition(cond, matcher);
}

function idFastPath(cond: Record<string, Json>): Sql | undefined {
  const keys = Object.keys(cond);
  if (keys.length !== 1) return undefined;
  const arg = cond[keys[0]!];
  const scalar = (v: Json | undefined): v is string | number => typeof v === 'string' || typeof v === 'number';
  if (keys[0] === '$eq' && scalar(arg)) return sql`d.id = ${JSON.stringify(arg)}`;
  if (keys[0] === '$in' && Array.isArray(arg) && arg.length > 0 && arg.every(scalar)) {
    return sql`d.id IN (${join(arg.map((v) => sql`${JSON.stringify(v)}`), ', ')})`;
  }
  return undefined;
}

/** `{"$oid": "..."}` (extended JSON) means the id string itself, also inside operators. */
function normalizeIdCondition(cond: Json): Json {
  const one = (v: Json): Json => (isPlainObject(v) && Object.keys(v).length === 1 && typeof v.$oid === 'string' ? v.$oid : v);
  if (!isPlainObject(cond)) return cond;
  if (typeof cond.$oid === 'string' && Object.keys(cond).length === 1) return cond.$oid;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(cond)) out[k] = Array.isArray(v) ? v.map(one) : one(v);
  return out;
}

function operatorConditions(field: string, cond: Record<string, Json>, m: Matcher, ctx: Ctx): Sql {
  const parts: Sql[] = [];
  for (const op of Object.keys(cond)) {
    const arg = cond[op]!;
    if (!op.startsWith('$')) throw invalid(`filter: the condition on ${quote(field)} mixes operators and field names (${quote(op)}); use either {"$gt": ...} operators or a whole value to compare with`);
    if (op === '$options') {
      if (!('$regex' in cond)) throw invalid(`filter: $options on ${quote(field)} needs a $regex beside it`);
      continue;
    }
    parts.push(operatorCondition(field, op, arg, cond, m, ctx));
  }
  return join(parts.map((p) => sql`(${p})`), ' AND ');
}

function operatorCondition(field: string, op: string, arg: Json, cond: Record<string, Json>, m: Matcher, ctx: Ctx): Sql {
  const where = `filter: ${op} on ${quote(field)}`;
  switch (op) {
    case '$eq':
      return eqCondition(arg, m);
    case '$ne':
      return sql`NOT (${eqCondition(arg, m)})`;
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return comparison(op, arg, m, where);
    case '$in':
    case '$nin': {
      if (!Array.isArray(arg)) throw invalid(`${where} takes an array, not ${kind(arg)}`);
      const any = arg.length ? join(arg.map((v) => sql`(${eqCondition(v, m)})`), ' OR ') : FALSE;
      return op === '$in' ? any : sql`NOT (${any})`;
    }
    case '$exists': {
      const present = m((_v, t) => sql`${t} IS NOT NULL`, { elements: false });
      return truthy(arg) ? present : sql`NOT (${present})`;
    }
    case '$regex': {
      if (typeof arg !== 'string') throw invalid(`${where} takes a string pattern, not ${kind(arg)}`);
      const options = cond.$options ?? '';
      if (typeof options !== 'string') throw invalid(`filter: $options on ${quote(field)} must be a string such as "i"`);
      const { pattern, flags } = compileRegex(arg, options, where);
      return m((v, t) => sql`(${t} = 'text' AND capsule_regexp(${pattern}, ${flags}, ${v}))`, { elements: true });
    }
    case '$not': {
      if (!isPlainObject(arg) || !Object.keys(arg).length || !Object.keys(arg).every((k) => k.startsWith('$'))) {
        throw invalid(`${where} takes an object of operators, e.g. {"$not": {"$gt": 5}}`);
      }
      return sql`NOT (${operatorConditions(field, arg, m, ctx)})`;
    }
    case '$all': {
      if (!Array.isArray(arg)) throw invalid(`${where} takes an array, not ${kind(arg)}`);
      if (!arg.length) return FALSE;
      return join(arg.map((v) => sql`(${eqCondition(v, m)})`), ' AND ');
    }
    case '$size': {
      if (typeof arg !== 'number' || !Number.isInteger(arg) || arg < 0) throw invalid(`${where} takes a non-negative integer, not ${kind(arg)}`);
      return m((v, t) => sql`(CASE WHEN ${t} = 'array' THEN json_array_length(${v}) = ${arg} ELSE 0 END)`, { elements: false });
    }
    case '$elemMatch': {
      if (!isPlainObject(arg)) throw invalid(`${where} takes an object, not ${kind(arg)}`);
      const a = `e${++ctx.alias}`;
      const ev = raw(`${a}.value`);
      const et = raw(`${a}.type`);
      const keys = Object.keys(arg);
      const operators = keys.length > 0 && keys.every((k) => k.startsWith('$') && !TOP_LEVEL_OPERATORS.includes(k));
      // Operators apply to each element itself; field names query elements that are objects.
      const inner = operators
        ? operatorConditions(field, arg, (pred) => sql`ifnull(${pred(ev, et)}, 0)`, ctx)
        : sql`(CASE WHEN ${et} = 'object' THEN (${compileFilter(arg, ev, false, ctx)}) ELSE 0 END)`;
      return m((v, t) => sql`(CASE WHEN ${t} = 'array' THEN EXISTS (SELECT 1 FROM json_each(${v}) AS ${raw(a)} WHERE ${inner}) ELSE 0 END)`, { elements: false });
    }
    default:
      throw invalid(`filter: unknown operator ${quote(op)} on ${quote(field)}; supported: ${FILTER_OPERATORS.join(', ')}`);
  }
}

const truthy = (v: Json): boolean => !(v === false || v === 0 || v === null);

function eqCondition(value: Json, m: Matcher): Sql {
  if (value === null) return m((_v, t) => sql`(${t} IS NULL OR ${t} = 'null')`, { elements: true, matchesMissing: true });
  return m(eqPred(value), { elements: true });
}

function eqPred(value: Exclude<Json, null>): Pred {
  if (typeof value === 'string') return (v, t) => sql`(${t} = 'text' AND ${v} = ${value})`;
  if (typeof value === 'number') return (v, t) => sql`(${t} IN ('integer', 'real') AND ${v} = ${value})`;
  if (typeof value === 'boolean') return (_v, t) => (value ? sql`${t} = 'true'` : sql`${t} = 'false'`);
  const type = Array.isArray(value) ? 'array' : 'object';
  const text = JSON.stringify(value);
  return (v, t) => sql`(${t} = ${type} AND ${v} = json(${text}))`;
}

function comparison(op: string, value: Json, m: Matcher, where: string): Sql {
  const sqlOp = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[op]!;
  if (typeof value === 'number') return m((v, t) => sql`(${t} IN ('integer', 'real') AND ${v} ${raw(sqlOp)} ${value})`, { elements: true });
  if (typeof value === 'string') return m((v, t) => sql`(${t} = 'text' AND ${v} ${raw(sqlOp)} ${value})`, { elements: true });
  if (typeof value === 'boolean') {
    // false < true; booleans compare only with booleans.
    const types = { $gt: value ? [] : ['true'], $gte: value ? ['true'] : ['true', 'false'], $lt: value ? ['false'] : [], $lte: value ? ['true', 'false'] : ['false'] }[op as '$gt']!;
    if (!types.length) return FALSE;
    return m((_v, t) => sql`${t} IN (${join(types.map((x) => sql`${x}`), ', ')})`, { elements: true });
  }
  if (value === null) return op === '$gte' || op === '$lte' ? eqCondition(null, m) : FALSE;
  throw invalid(`${where}: comparing with ${kind(value)} is not supported; compare with a number, string, boolean or null`);
}

/**
 * The field at `path` of `src` matches `pred`: its value, any element when it is an array (when
 * `elements`), or, through each array met on the way, the rest of the path in each element.
 * A predicate that matches a missing value (`{"f": null}`, `$exists: false` by negation) only
 * counts the direct path as missing when no array is on the way (the elements decide then).
 */
function match(src: Sql, path: Path, pred: Pred, opts: { elements: boolean; matchesMissing?: boolean }, ctx: Ctx): Sql {
  const full = literal(jsonPath(path));
  const v = sql`json_extract(${src}, ${full})`;
  const t = sql`json_type(${src}, ${full})`;
  const prefixes: Path[] = [];
  for (let i = 1; i < path.length; i++) if (!isIndex(path[i]!)) prefixes.push(path.slice(0, i));
  let direct = sql`ifnull(${pred(v, t)}, 0)`;
  if (opts.matchesMissing && prefixes.length) {
    const anyArray = join(prefixes.map((p) => sql`json_type(${src}, ${literal(jsonPath(p))}) = 'array'`), ' OR ');
    direct = sql`(${direct} AND (${t} IS NOT NULL OR NOT ifnull(${anyArray}, 0)))`;
  }
  const parts: Sql[] = [direct];
  if (opts.elements) {
    const a = `e${++ctx.alias}`;
    parts.push(sql`(CASE WHEN ${t} = 'array' THEN EXISTS (SELECT 1 FROM json_each(${src}, ${full}) AS ${raw(a)} WHERE ifnull(${pred(raw(`${a}.value`), raw(`${a}.type`))}, 0)) ELSE 0 END)`);
  }
  for (const prefix of prefixes) {
    const p = literal(jsonPath(prefix));
    const a = `e${++ctx.alias}`;
    const rest = path.slice(prefix.length);
    parts.push(sql`(CASE WHEN json_type(${src}, ${p}) = 'array' THEN EXISTS (SELECT 1 FROM json_each(${src}, ${p}) AS ${raw(a)} WHERE CASE WHEN ${raw(a)}.type = 'object' THEN ${match(raw(`${a}.value`), rest, pred, opts, ctx)} ELSE 0 END) ELSE 0 END)`);
  }
  return parts.length === 1 ? parts[0]! : sql`(${join(parts, ' OR ')})`;
}

/**
 * The condition of `$pull` (and `$pullAll`, as `{"$in": [...]}`) on one array element, over the
 * json_each() row `p`: operators apply to the element, an object of fields queries elements that
 * are objects, any other value is compared for equality.
 */
export function compileElementCondition(cond: Json, where: string): Sql {
  const ctx: Ctx = { alias: 100 };
  const v = raw('p.value');
  const t = raw('p.type');
  const el: Matcher = (pred) => sql`ifnull(${pred(v, t)}, 0)`;
  if (isPlainObject(cond)) {
    const keys = Object.keys(cond);
    if (keys.length && keys.every((k) => k.startsWith('$'))) return operatorConditions(where, cond, el, ctx);
    if (keys.some((k) => k.startsWith('$'))) throw invalid(`${where}: the condition mixes operators and field names`);
    if (keys.length) return sql`(CASE WHEN ${t} = 'object' THEN (${compileFilter(cond, v, false, ctx)}) ELSE 0 END)`;
  }
  return cond === null ? sql`${t} = 'null'` : el(eqPred(cond), { elements: false });
}
