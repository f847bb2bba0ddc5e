// An update as the SDK sends it (`update_one`: operator documents; the SDK wraps a plain patch in
// $set) compiled to one SQL expression that rewrites the stored JSON in place: json_set,
// json_remove and json_insert over the document, with new values taken from the request's JSON
// text by path (`@upd -> '$."$set"."price"'`), so numbers keep their exact form (10.0 stays a
// float for Python). Checks that need the current document (a field to $inc that is not a number,
// a path through a scalar) run in JavaScript first and fail with INVALID_ARGUMENT, as the
// platform refuses them.
import { invalid } from './errors';
import { jsonPath, parsePath, quote, isIndex, type Path } from './paths';
import { join, literal, sql, type Sql } from './sql';
import { compare, equal, isPlainObject, type Json } from './values';
import { checkFieldNames, kind } from './input';
import { compileElementCondition } from './filter';

export const UPDATE_OPERATORS = ['$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$push', '$addToSet', '$pull', '$pullAll', '$pop', '$setOnInsert', '$currentDate'];

/** A rewrite of the document expression. */
type Step = (doc: Sql) => Sql;

export interface CompiledUpdate {
  /** Builds the new document from `doc` (the current one). */
  apply(doc: Sql): Sql;
  /** Element conditions of $pull to resolve against the current document first. */
  pulls: Array<{ path: Path; cond: Sql }>;
}

export interface UpdateInput {
  update: Record<string, Json>;
  /** The current document (parsed), for the checks; {} for an upsert's new document. */
  current: Record<string, Json>;
  inserting: boolean;
  now: () => Date;
  /** For $pull: the indexes to remove, by the pull's position in `pulls`, found by the engine. */
  pulled?: number[][];
}

const ref = (op: string, field: string, extra = ''): Sql => sql`(@upd -> ${literal(`$."${op}"."${field}"${extra}`)})`;

export function checkUpdate(update: Record<string, Json>): void {
  const ops = Object.keys(update);
  if (!ops.length) throw invalid('update is empty; send operators such as {"$set": {"status": "done"}}');
  const seen = new Map<string, string>();
  for (const op of ops) {
    if (!op.startsWith('$')) {
      throw invalid(`update: ${quote(op)} is not an operator; an update is made of operators such as {"$set": {...}} (the SDK wraps a plain patch in $set)`);
    }
    if (!UPDATE_OPERATORS.includes(op)) throw invalid(`update: unknown operator ${quote(op)}; supported: ${UPDATE_OPERATORS.join(', ')}`);
    const arg = update[op];
    if (!isPlainObject(arg)) throw invalid(`update: ${op} takes an object of fields, not ${kind(arg)}`);
    for (const field of Object.keys(arg)) {
      const targets = op === '$rename' ? [field, renameTarget(field, arg[field]!)] : [field];
      for (const target of targets) {
        const path = parsePath(target, `update: ${op}`);
        if (path[0] === '_id') throw invalid(`update: ${op} would change the field "_id", which cannot be changed`);
        const key = path.join('.');
        for (const [other, otherOp] of seen) {
          if (other === key || other.startsWith(`${key}.`) || key.startsWith(`${other}.`)) {
            throw invalid(`update: ${op} on ${quote(target)} conflicts with ${otherOp} on ${quote(other)} in the same update`);
          }
        }
        seen.set(key, op);
      }
      const v = arg[field]!;
      const added = (op === '$push' || op === '$addToSet') && isPlainObject(v) && '$each' in v ? v.$each! : v;
      if (op === '$set' || op === '$setOnInsert' || op === '$push' || op === '$addToSet') checkFieldNames(added, `update: ${op} ${quote(field)}`);
      // The value reference (`$."$set"."a.b"`) is a quoted JSON path label.
      if (field.includes('"')) throw invalid(`update: field name ${quote(field)} contains a quote`);
    }
  }
}

function renameTarget(field: string, to: Json): string {
  if (typeof to !== 'string') throw invalid(`update: $rename ${quote(field)} takes the new name as a string, not ${kind(to)}`);
  if (to.includes('"')) throw invalid(`update: field name ${quote(to)} contains a quote`);
  return to;
}

/** Walks `doc` along `path`: the value there, or why a value cannot be placed there. */
function lookup(doc: Json, path: Path): { value: Json | undefined; blocked?: string } {
  let cur: Json | undefined = doc;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (cur === undefined) return { value: undefined };
    if (Array.isArray(cur)) {
      if (!isIndex(seg)) return { value: undefined, blocked: `${quote(path.slice(0, i).join('.'))} is an array; name an element by its index` };
      const n = Number(seg);
      if (n > cur.length) return { value: undefined, blocked: `index ${n} is past the end of ${quote(path.slice(0, i).join('.'))} (length ${cur.length})` };
      cur = cur[n];
    } else if (isPlainObject(cur)) {
      cur = Object.hasOwn(cur, seg) ? cur[seg] : undefined;
    } else {
      return { value: undefined, blocked: `${quote(path.slice(0, i).join('.'))} holds ${kind(cur)}, not an object` };
    }
  }
  return { value: cur };
}

/** json_set's path for `path` in `doc`: an index one past the end appends. */
function setPath(doc: Json, path: Path): Sql {
  const last = path[path.length - 1]!;
  if (isIndex(last)) {
    const parent = lookup(doc, path.slice(0, -1)).value;
    if (Array.isArray(parent) && Number(last) === parent.length) return literal(`${jsonPath(path.slice(0, -1))}[#]`);
  }
  return literal(jsonPath(path));
}

export function compileUpdate(input: UpdateInput): CompiledUpdate {
  const { update, current } = input;
  const steps: Step[] = [];
  const pulls: Array<{ path: Path; cond: Sql }> = [];
  const place = (op: string, field: string, path: Path): Json | undefined => {
    const r = lookup(current, path);
    if (r.blocked) throw invalid(`update: ${op} cannot reach ${quote(field)}: ${r.blocked}`);
    return r.value;
  };
  for (const op of Object.keys(update)) {
    const arg = update[op] as Record<string, Json>;
    for (const field of Object.keys(arg)) {
      const value = arg[field]!;
      const path = parsePath(field, `update: ${op}`);
      const p = literal(jsonPath(path));
      switch (op) {
        case '$setOnInsert':
        case '$set': {
          if (op === '$setOnInsert' && !input.inserting) break;
          place(op, field, path);
          const sp = setPath(current, path);
          steps.push((d) => sql`json_set(${d}, ${sp}, ${ref(op, field)})`);
          break;
        }
        case '$unset': {
          const cur = place(op, field, path);
          if (cur === undefined) break;
          const parent = lookup(current, path.slice(0, -1)).value;
          // In an array the element becomes null (indexes of the others stay), as on the platform.
          steps.push(Array.isArray(parent) ? (d) => sql`json_set(${d}, ${p}, json('null'))` : (d) => sql`json_remove(${d}, ${p})`);
          break;
        }
        case '$inc':
        case '$mul': {
          if (typeof value !== 'number') throw invalid(`update: ${op} ${quote(field)} takes a number, not ${kind(value)}`);
          const cur = place(op, field, path);
          if (cur !== undefined && typeof cur !== 'number') throw invalid(`update: ${op} cannot change ${quote(field)}: it holds ${kind(cur)}, not a number`);
          const sp = setPath(current, path);
          const v = sql`(@upd ->> ${literal(`$."${op}"."${field}"`)})`;
          const now = cur === undefined ? (op === '$inc' ? v : sql`(0 * ${v})`) : op === '$inc' ? sql`(json_extract(@cur, ${p}) + ${v})` : sql`(json_extract(@cur, ${p}) * ${v})`;
          steps.push((d) => sql`json_set(${d}, ${sp}, ${now})`);
          break;
        }
        case '$min':
        case '$max': {
          const cur = place(op, field, path);
          const c = cur === undefined ? 0 : compare(value, cur);
          if (cur === undefined || (op === '$min' ? c < 0 : c > 0)) {
            const sp = setPath(current, path);
            steps.push((d) => sql`json_set(${d}, ${sp}, ${ref(op, field)})`);
          }
          break;
        }
        case '$rename': {
          const to = value as string;
          const toPath = parsePath(to, 'update: $rename');
          const cur = place(op, field, path);
          place(op, to, toPath);
          if (cur === undefined) break;
          const tp = literal(jsonPath(toPath));
          steps.push((d) => sql`json_set(json_remove(${d}, ${p}), ${tp}, json_extract(@cur, ${p}))`);
          break;
        }
        case '$push':
        case '$addToSet': {
          const cur = place(op, field, path);
          if (cur !== undefined && !Array.isArray(cur)) throw invalid(`update: ${op} cannot add to ${quote(field)}: it holds ${kind(cur)}, not an array`);
          const each = isPlainObject(value) && '$each' in value;
          let items: Array<{ v: Json; ref: Sql }>;
          if (each) {
            const mods = Object.keys(value).filter((k) => k !== '$each');
            if (mods.length) throw invalid(`update: ${op} modifier ${quote(mods[0]!)} is not supported locally (only $each); reorder the list before pushing`);
            const list = (value as Record<string, Json>).$each;
            if (!Array.isArray(list)) throw invalid(`update: ${op} $each takes an array, not ${kind(list)}`);
            items = list.map((v, i) => ({ v, ref: ref(op, field, `."$each"[${i}]`) }));
          } else items = [{ v: value, ref: ref(op, field) }];
          if (op === '$addToSet') {
            const have: Json[] = [...((cur as Json[] | undefined) ?? [])];
            items = items.filter((it) => (have.some((h) => equal(h, it.v)) ? false : (have.push(it.v), true)));
          }
          if (cur === undefined) {
            const sp = setPath(current, path);
            steps.push((d) => sql`json_set(${d}, ${sp}, json_array(${join(items.map((it) => it.ref), ', ')}))`);
          } else if (items.length) {
            const end = literal(`${jsonPath(path)}[#]`);
            steps.push((d) => items.reduce((acc, it) => sql`json_insert(${acc}, ${end}, ${it.ref})`, d));
          }
          break;
        }
        case '$pull':
        case '$pullAll': {
          const cur = place(op, field, path);
          if (cur !== undefined && !Array.isArray(cur)) throw invalid(`update: ${op} cannot remove from ${quote(field)}: it holds ${kind(cur)}, not an array`);
          if (op === '$pullAll' && !Array.isArray(value)) throw invalid(`update: $pullAll ${quote(field)} takes an array, not ${kind(value)}`);
          if (cur === undefined) break;
          const at = pulls.length;
          pulls.push({ path, cond: compileElementCondition(op === '$pullAll' ? { $in: value } : value, `update: ${op} ${quote(field)}`) });
          const remove = (input.pulled?.[at] ?? []).slice().sort((a, b) => b - a);
          if (remove.length) steps.push((d) => sql`json_remove(${d}, ${join(remove.map((i) => literal(`${jsonPath(path)}[${i}]`)), ', ')})`);
          break;
        }
        case '$pop': {
          if (value !== 1 && value !== -1) throw invalid(`update: $pop ${quote(field)} takes 1 (last) or -1 (first), not ${JSON.stringify(value)}`);
          const cur = place(op, field, path);
          if (cur !== undefined && !Array.isArray(cur)) throw invalid(`update: $pop cannot remove from ${quote(field)}: it holds ${kind(cur)}, not an array`);
          if (!Array.isArray(cur) || !cur.length) break;
          const at = literal(`${jsonPath(path)}[${value === 1 ? '#-1' : '0'}]`);
          steps.push((d) => sql`json_remove(${d}, ${at})`);
          break;
        }
        case '$currentDate': {
          if (!(value === true || (isPlainObject(value) && (value.$type === 'date' || value.$type === 'timestamp')))) {
            throw invalid(`update: $currentDate ${quote(field)} takes true or {"$type": "date"}`);
          }
          place(op, field, path);
          const iso = input.now().toISOString();
          const sp = setPath(current, path);
          steps.push((d) => sql`json_set(${d}, ${sp}, ${iso})`);
          break;
        }
      }
    }
  }
  return { apply: (doc) => steps.reduce((acc, s) => s(acc), doc), pulls };
}

