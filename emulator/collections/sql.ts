// SQL fragments with their parameters kept in order: `sql\`a = ${v}\`` binds v; a fragment
// interpolated into another is spliced in with its own parameters. Nothing from a request is ever
// spliced into SQL text except through raw(), which only takes text this module produced (JSON
// paths from paths.ts, whose segments cannot contain a quote).

export interface Sql {
  readonly text: string;
  readonly params: unknown[];
}

const isSql = (v: unknown): v is Sql => typeof v === 'object' && v !== null && 'text' in v && 'params' in v && Array.isArray((v as Sql).params);

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  let text = strings[0]!;
  const params: unknown[] = [];
  values.forEach((v, i) => {
    if (isSql(v)) {
      text += v.text;
      params.push(...v.params);
    } else {
      text += '?';
      params.push(v);
    }
    text += strings[i + 1]!;
  });
  return { text, params };
}

export const raw = (text: string): Sql => ({ text, params: [] });

export function join(parts: Sql[], sep: string): Sql {
  return { text: parts.map((p) => p.text).join(sep), params: parts.flatMap((p) => p.params) };
}

export const TRUE = raw('1');
export const FALSE = raw('0');

/** A SQL string literal for text this module chose (a JSON path), never for request values. */
export const literal = (s: string): Sql => raw(`'${s.replace(/'/g, "''")}'`);
