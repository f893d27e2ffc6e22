// openapi-check.mjs — does one HTTP response conform to openapi.yaml?
//
//   import { check } from './openapi-check.mjs';
//   const problems = check('GET', '/v1/claims?limit=5', 200, headers, body);
//   // [] when the response conforms, else one string per problem
//
// The operation is found by matching the path against the templates in
// `paths`. The status must be documented for it (exactly, as `4XX`, or as
// `default`); required response headers must be present and every
// documented header that is present must match its schema; Content-Type
// must be one of the documented media types (parameters such as charset
// aside; a charset must be UTF-8).
//
// Bodies, by media type:
//   * JSON (application/json, any +json such as application/problem+json
//     and application/vnd.citationstyles.csl+json): parsed and validated
//     with Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1), `$ref`s
//     resolving into the document's components.
//   * everything else (application/x-ndjson, text/csv, application/x-bibtex,
//     text/plain, application/yaml): text, valid UTF-8, checked against the
//     media type's string schema (its pattern); NDJSON also line by line:
//     every line one JSON object, every line ended by \n.
//   * a response documented without content (204, 304) must have no body.
// A body whose Content-Encoding is gzip may be passed compressed (it is
// decompressed first, and must decompress) or already decoded, as fetch()
// hands it over.
//
// Schemas marked `x-fields-only: true` (the shapes of `?fields=` answers)
// count only for requests that carry `fields=`; for any other request they
// match nothing, so an `anyOf: [Article, ArticlePart]` demands the whole
// Article.
//
// Responses the document lists once in components/responses rather than
// per operation (see info.description):
//   * a path matching no template        → NotFound (404), or NotImplemented
//                                          (501) for an unknown method;
//   * a template without this method     → MethodNotAllowed (405) for a
//                                          standard method, else NotImplemented;
//   * checks made before routing, on any path and method → ContentTooLarge
//     (413), InvalidParameter (400, a NUL in a parameter name), Unavailable (503).
// HEAD responses must have an empty body; their Content-Type is checked
// against the documented media type.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SPEC_PATH = path.resolve(HERE, '../../openapi.yaml');
export const specText = readFileSync(SPEC_PATH, 'utf8');
export const spec = YAML.parse(specText);

const SPEC_ID = 'urn:essayd:openapi.yaml';
const SPEC_ID_UNFILTERED = 'urn:essayd:openapi.yaml:without-fields';
const STANDARD_METHODS = new Set([
  'get', 'head', 'options', 'post', 'put', 'patch', 'delete', 'trace', 'connect',
]);
const OPERATION_KEYS = ['get', 'head', 'options', 'post', 'put', 'patch', 'delete', 'trace'];

const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  // allOf: [$ref, {required: [...]}] is how a variant requires a property
  // its base schema defines; Ajv's strictRequired cannot see through allOf.
  strictRequired: false,
  allowUnionTypes: true,
});
addFormats(ajv);
// OpenAPI's own keywords inside Schema Objects (annotations only), and
// this document's extension (see above).
ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs', 'x-fields-only']);
// `paths` and `components` are registered under one id, as annotation-only
// keywords, so that a schema anywhere in them can be compiled by JSON
// pointer with its local `#/components/...` $refs resolving against the
// document root. Only the schemas actually reached are compiled (and
// checked in strict mode). A second copy, for requests without `fields=`,
// has every `x-fields-only` schema replaced by `false`.
ajv.addKeyword({ keyword: 'paths' });
ajv.addKeyword({ keyword: 'components' });
ajv.addSchema({ $id: SPEC_ID, paths: spec.paths, components: spec.components }, SPEC_ID);
function withoutFieldsOnly(node) {
  if (Array.isArray(node)) return node.map(withoutFieldsOnly);
  if (node === null || typeof node !== 'object') return node;
  if (node['x-fields-only'] === true) return false;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, withoutFieldsOnly(v)]));
}
ajv.addSchema(
  { $id: SPEC_ID_UNFILTERED, paths: withoutFieldsOnly(spec.paths), components: withoutFieldsOnly(spec.components) },
  SPEC_ID_UNFILTERED,
);

const validators = new Map();
function validatorAt(pointer, { unfiltered = false } = {}) {
  const id = unfiltered ? SPEC_ID_UNFILTERED : SPEC_ID;
  const key = `${id}#${pointer}`;
  let v = validators.get(key);
  if (!v) {
    v = ajv.getSchema(key);
    if (!v) throw new Error(`openapi-check: no schema at ${pointer}`);
    validators.set(key, v);
  }
  return v;
}

const escapePointer = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
const pointerTo = (...parts) => parts.map((p) => '/' + escapePointer(p)).join('');

function getByPointer(pointer) {
  let node = spec;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node == null || typeof node !== 'object' || !(key in node)) {
      throw new Error(`openapi-check: dangling pointer ${pointer}`);
    }
    node = node[key];
  }
  return node;
}

// Follows Reference Objects; returns { node, pointer } of the target.
function deref(node, pointer) {
  for (let hops = 0; node && typeof node === 'object' && typeof node.$ref === 'string'; hops++) {
    if (hops > 20 || !node.$ref.startsWith('#/')) {
      throw new Error(`openapi-check: unsupported $ref ${node.$ref} at ${pointer}`);
    }
    pointer = node.$ref.slice(1);
    node = getByPointer(pointer);
  }
  return { node, pointer };
}

// Path templates, literal ones first, then fewer parameters first.
const routes = Object.keys(spec.paths || {})
  .map((template) => {
    const names = [];
    const re = template
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const m = /^\{([^}]+)\}$/.exec(part);
        if (m) {
          names.push(m[1]);
          return '([^/]+)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    return { template, names, regex: new RegExp(`^${re}$`) };
  })
  .sort((a, b) => a.names.length - b.names.length);

/** The templates of every path in the document. */
export const pathTemplates = Object.keys(spec.paths || {});

/** Finds the path template that pathWithQuery (raw, as sent) matches, or null. */
export function matchPath(pathWithQuery) {
  const rawPath = String(pathWithQuery).split(/[?#]/, 1)[0];
  for (const r of routes) {
    const m = r.regex.exec(rawPath);
    if (m) {
      const params = {};
      r.names.forEach((n, i) => (params[n] = m[i + 1]));
      return { template: r.template, params };
    }
  }
  return null;
}

/** The media type of a Content-Type value, lower-cased, without parameters. */
export function mediaType(value) {
  if (value == null) return null;
  return String(value).split(';', 1)[0].trim().toLowerCase();
}

function isJsonMediaType(mt) {
  return mt === 'application/json' || /^[a-z0-9.+-]+\/[a-z0-9.+-]*\+json$/.test(mt);
}

function hasQueryParam(pathWithQuery, name) {
  const s = String(pathWithQuery);
  const i = s.indexOf('?');
  if (i < 0) return false;
  try {
    return new URLSearchParams(s.slice(i + 1).split('#', 1)[0]).has(name);
  } catch {
    return false;
  }
}

// NDJSON: every line (ended by \n) is one JSON object.
function ndjsonProblems(text) {
  if (text === '') return [];
  const out = [];
  if (!text.endsWith('\n')) out.push('NDJSON does not end with a newline');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length && out.length < 3; i++) {
    let v;
    try {
      v = JSON.parse(lines[i]);
    } catch (e) {
      out.push(`NDJSON line ${i + 1} is not JSON (${e.message})`);
      continue;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) out.push(`NDJSON line ${i + 1} is not an object`);
  }
  return out;
}

function lowerHeaders(headers) {
  const out = {};
  if (!headers) return out;
  const entries = typeof headers.entries === 'function' ? headers.entries() : Object.entries(headers);
  for (const [k, v] of entries) {
    if (v === undefined || v === null) continue; // absent
    out[String(k).toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function formatAjvErrors(errors) {
  return (errors || [])
    .slice(0, 8)
    .map((e) => {
      let extra = '';
      if (e.keyword === 'additionalProperties') extra = ` (${e.params.additionalProperty})`;
      else if (e.keyword === 'enum' || e.keyword === 'const') extra = ` (${JSON.stringify(e.params.allowedValues ?? e.params.allowedValue)})`;
      return `${e.instancePath || '/'} ${e.message}${extra}`;
    })
    .join('; ');
}

/**
 * Finds the response description for (method, path, status): returns
 * { where, response, pointer } or { error }.
 */
export function findResponse(method, pathWithQuery, status) {
  const m = String(method).toLowerCase();
  const responses = spec.components?.responses || {};
  const fallback = (name, why) => {
    if (!responses[name]) return { error: `${why}, and components/responses/${name} is missing` };
    const { node, pointer } = deref(responses[name], pointerTo('components', 'responses', name));
    return { where: `components/responses/${name} (${why})`, response: node, pointer, fallback: name };
  };

  const preRouting = { 400: 'InvalidParameter', 413: 'ContentTooLarge', 503: 'Unavailable' };
  const match = matchPath(pathWithQuery);
  const item = match ? spec.paths[match.template] : null;
  const op = item && OPERATION_KEYS.includes(m) ? item[m] : undefined;
  if (!op && preRouting[status]) return fallback(preRouting[status], 'checked before routing');
  if (!match) {
    if (status === 404) return fallback('NotFound', 'path matches no template');
    if (status === 501 && !STANDARD_METHODS.has(m)) return fallback('NotImplemented', `unknown method ${method}`);
    return { error: `path matches no template in openapi.yaml; expected 404, got ${status}` };
  }
  if (!op) {
    if (STANDARD_METHODS.has(m)) {
      if (status === 405) return fallback('MethodNotAllowed', `${method} not documented on ${match.template}`);
      return { error: `${method} is not documented on ${match.template}; expected 405, got ${status}` };
    }
    if (status === 501) return fallback('NotImplemented', `unknown method ${method}`);
    return { error: `unknown method ${method} on ${match.template}; expected 501, got ${status}` };
  }
  const opPointer = pointerTo('paths', match.template, m);
  const rs = op.responses || {};
  const key = [String(status), `${Math.floor(status / 100)}XX`, 'default'].find((k) => k in rs);
  if (!key) {
    return {
      error: `status ${status} is not documented for ${method.toUpperCase()} ${match.template} (documented: ${Object.keys(rs).join(', ')})`,
    };
  }
  const { node, pointer } = deref(rs[key], `${opPointer}/responses/${escapePointer(key)}`);
  return { where: `${method.toUpperCase()} ${match.template} → ${key}`, response: node, pointer, template: match.template };
}

/**
 * check(method, pathWithQuery, status, headers, body) → string[]
 *
 * headers: a plain object, a Map or a fetch Headers; names are matched
 * case-insensitively. body: a string, a Buffer/Uint8Array (checked to be
 * valid UTF-8) or null/undefined for none.
 */
export function check(method, pathWithQuery, status, headers, body) {
  const problems = [];
  const h = lowerHeaders(headers);
  const found = findResponse(method, pathWithQuery, status);
  if (found.error) return [found.error];
  const { response, pointer, where } = found;
  const isHead = String(method).toUpperCase() === 'HEAD';

  if (body != null && typeof body !== 'string' && /^\s*gzip\s*$/i.test(h['content-encoding'] || '') &&
      body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) {
    try {
      body = gunzipSync(body);
    } catch (e) {
      problems.push(`${where}: Content-Encoding gzip, but the body does not decompress: ${e.message}`);
      return problems;
    }
  }
  let bytes = 0;
  let text = '';
  if (body != null) {
    if (typeof body === 'string') {
      text = body;
      bytes = Buffer.byteLength(body);
    } else {
      bytes = body.length;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      } catch {
        problems.push(`${where}: body is not valid UTF-8`);
        text = Buffer.from(body).toString('latin1');
      }
    }
  }
  const unfiltered = !hasQueryParam(pathWithQuery, 'fields');

  // Headers the response documents as required.
  for (const [name, hdrRaw] of Object.entries(response.headers || {})) {
    const { node: hdr, pointer: hp } = deref(hdrRaw, `${pointer}/headers/${escapePointer(name)}`);
    const value = h[name.toLowerCase()];
    if (value === undefined) {
      if (hdr.required) problems.push(`${where}: required header ${name} is missing`);
      continue;
    }
    if (hdr.schema) {
      const v = validatorAt(`${hp}/schema`, { unfiltered });
      if (!v(value)) problems.push(`${where}: header ${name}: ${JSON.stringify(value)} ${formatAjvErrors(v.errors)}`);
    }
  }

  const content = response.content;
  if (!content || Object.keys(content).length === 0) {
    if (bytes !== 0) problems.push(`${where}: documents no body, got ${bytes} bytes`);
    return problems;
  }

  const ct = h['content-type'];
  const mt = mediaType(ct);
  if (!mt) {
    problems.push(`${where}: Content-Type is missing (documented: ${Object.keys(content).join(', ')})`);
    return problems;
  }
  const mtKey = Object.keys(content).find((k) => {
    const d = k.toLowerCase();
    if (d === mt) return true;
    if (d.endsWith('/*')) return mt.startsWith(d.slice(0, -1));
    return d === '*/*';
  });
  if (!mtKey) {
    problems.push(`${where}: Content-Type ${ct} is not documented (documented: ${Object.keys(content).join(', ')})`);
    return problems;
  }
  if (/charset=/i.test(ct) && !/charset="?utf-8"?/i.test(ct)) {
    problems.push(`${where}: Content-Type ${ct} is not UTF-8`);
  }

  if (isHead) {
    if (bytes !== 0) problems.push(`${where}: HEAD response carries a ${bytes}-byte body`);
    return problems;
  }

  const media = content[mtKey];
  if (isJsonMediaType(mt)) {
    let data;
    try {
      data = JSON.parse(text);
    } catch (e) {
      problems.push(`${where}: body is not JSON (${e.message}): ${JSON.stringify(text.slice(0, 120))}`);
      return problems;
    }
    if (media.schema) {
      const v = validatorAt(`${pointer}/content/${escapePointer(mtKey)}/schema`, { unfiltered });
      if (!v(data)) problems.push(`${where}: body does not match the schema: ${formatAjvErrors(v.errors)}`);
    }
    // Problem details repeat the HTTP status.
    if (mt === 'application/problem+json' && data && typeof data === 'object' && data.status !== status) {
      problems.push(`${where}: problem status ${data.status} differs from HTTP status ${status}`);
    }
  } else {
    if (media.schema) {
      const v = validatorAt(`${pointer}/content/${escapePointer(mtKey)}/schema`, { unfiltered });
      if (!v(text)) problems.push(`${where}: body does not match the schema: ${formatAjvErrors(v.errors)} ${JSON.stringify(text.slice(0, 120))}`);
    }
    if (mt === 'application/x-ndjson') problems.push(...ndjsonProblems(text).map((p) => `${where}: ${p}`));
  }
  return problems;
}
