// A sort as the SDK sends it ({"field": 1 | -1, ...}, keys in order) as an ORDER BY over the
// stored JSON, in the platform's order of types (missing and null < numbers < strings < objects <
// arrays < booleans). A field holding an array sorts by its smallest element ascending and its
// largest descending; an empty array before null. Ties keep insertion order.
import { invalid } from './errors';
import { jsonPath, parsePath, quote } from './paths';
import { join, literal, raw, sql, type Sql } from './sql';
import { isPlainObject, type Json } from './values';
import { kind } from './input';

const rank = (t: Sql): Sql =>
  sql`(CASE ${t} WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 WHEN 'object' THEN 4 WHEN 'array' THEN 5 WHEN 'true' THEN 8 WHEN 'false' THEN 8 ELSE 1 END)`;

export interface CompiledSort {
  /** The ORDER BY terms over the document `d`. */
  order: Sql;
  /** The first key, for a sort index (sort-index.ts). */
  first?: { field: string; jpath: string; dir: 1 | -1 };
  /** The ORDER BY terms after the first key (with the tie-break), for a find through the index. */
  rest: Sql;
}

export function compileSort(sort: Json | undefined): CompiledSort {
  const keys: Sql[] = [];
  let first: CompiledSort['first'];
  if (sort !== undefined && sort !== null) {
    if (!isPlainObject(sort)) throw invalid(`sort must be an object such as {"created": -1}, not ${kind(sort)}`);
    for (const field of Object.keys(sort)) {
      const dir = sort[field];
      if (dir !== 1 && dir !== -1) throw invalid(`sort: the direction of ${quote(field)} must be 1 (ascending) or -1 (descending), not ${JSON.stringify(dir)}`);
      const d = raw(dir === 1 ? 'ASC' : 'DESC');
      const jp = jsonPath(parsePath(field, 'sort'));
      first ??= { field, jpath: jp, dir };
      const p = literal(jp);
      const t = sql`json_type(d.doc, ${p})`;
      const pick = (col: Sql): Sql => sql`(SELECT ${col} FROM json_each(d.doc, ${p}) AS s ORDER BY ${rank(raw('s.type'))} ${d}, s.value ${d} LIMIT 1)`;
      keys.push(sql`(CASE WHEN ${t} = 'array' THEN ifnull(${pick(rank(raw('s.type')))}, 0) ELSE ${rank(t)} END) ${d}`);
      keys.push(sql`(CASE WHEN ${t} = 'array' THEN ${pick(raw('s.value'))} ELSE json_extract(d.doc, ${p}) END) ${d}`);
    }
  }
  keys.push(raw('d.seq ASC'));
  return { order: join(keys, ', '), first, rest: join(keys.slice(2), ', ') };
}
