/**
 * Checks logged requests against the carriers' full official OpenAPI specs, which live outside the
 * repository (`../shared/carrier-specs` beside the checkout) and so exist only on some machines.
 * The project's own contracts (lib/developer/carrier-fakes/contracts) are what the fakes enforce; this
 * is the second opinion: the operation exists, its query parameters and body fields are the
 * spec's, and (where asked) the values validate.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/** `../shared/carrier-specs` relative to the repository root. */
export const CARRIER_SPECS_DIR = resolve(__dirname, '../../../shared/carrier-specs');

/** True when the official specs are available on this machine. */
export function officialSpecsPresent(): boolean {
  return existsSync(join(CARRIER_SPECS_DIR, 'README.md'));
}

type Schema = Record<string, unknown>;

/** The parts of an OpenAPI 3 document the check reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, Schema>; parameters?: Record<string, Schema> };
}

const loaded = new Map<string, OpenApiDocument>();

/** Parses (once per process) a spec file under CARRIER_SPECS_DIR, e.g. `telnyx/spec3.yml`. */
export function loadOfficialSpec(file: string): OpenApiDocument {
  let document = loaded.get(file);
  if (!document) {
    document = parse(readFileSync(join(CARRIER_SPECS_DIR, file), 'utf8'), {
      maxAliasCount: -1,
    }) as OpenApiDocument;
    loaded.set(file, document);
  }
  return document;
}

/** A request to check; `path` is relative to the spec's server URL, `body` already parsed. */
export interface SpecCheckRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly contentType?: string;
  readonly body?: unknown;
}

/**
 * Problems of `request` against `document` (empty when it conforms). With `validateValues`, the
 * body is also validated with ajv (form and XML values coerced from strings; empty values, which
 * clear a field, skipped).
 */
export function checkRequestAgainstSpec(
  document: OpenApiDocument,
  request: SpecCheckRequest,
  options: { validateValues?: boolean } = {},
): string[] {
  const method = request.method.toLowerCase();
  const template = Object.keys(document.paths)
    .filter((candidate) => document.paths[candidate][method] && templateRegex(candidate).test(request.path))
    .sort((a, b) => literalLength(b) - literalLength(a))[0];
  if (!template) {
    return [`${request.method} ${request.path}: no such operation in the official spec`];
  }
  const pathItem = document.paths[template] as { parameters?: Schema[] };
  const operation = pathItem[method as keyof typeof pathItem] as {
    operationId?: string;
    parameters?: Schema[];
    requestBody?: Schema;
  };
  const at = `${operation.operationId ?? template} (${request.method} ${request.path})`;
  const problems: string[] = [];
  const parameters = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])].map(
    (parameter) => resolveRef(document, parameter) as { name: string; in: string; schema?: Schema },
  );
  for (const key of Object.keys(request.query)) {
    if (!queryKeyKnown(document, parameters, key)) {
      problems.push(`${at}: query parameter ${key} is not in the spec`);
    }
  }
  if (request.body !== undefined) {
    const requestBody =
      operation.requestBody &&
      (resolveRef(document, operation.requestBody) as { content?: Record<string, { schema?: Schema }> });
    const mediaType = request.contentType?.split(';')[0].trim().toLowerCase() ?? '';
    const content = requestBody?.content?.[mediaType];
    if (!content?.schema) {
      problems.push(`${at}: the spec takes no ${mediaType || 'untyped'} body here`);
    } else {
      problems.push(...unknownFields(document, content.schema, request.body, `${at} body`));
      if (options.validateValues) {
        problems.push(...invalidValues(document, content.schema, request.body, at));
      }
    }
  }
  return problems;
}

function templateRegex(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+?' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

function literalLength(template: string): number {
  return template.replace(/\{[^}]+\}/g, '').length;
}

function resolveRef(document: OpenApiDocument, node: Schema): Schema {
  let current = node;
  for (let depth = 0; typeof current.$ref === 'string' && depth < 20; depth++) {
    const path = (current.$ref as string).replace(/^#\//, '').split('/');
    current = path.reduce<unknown>(
      (value, key) => (value as Record<string, unknown>)?.[key],
      document,
    ) as Schema;
  }
  return current ?? {};
}

// Telnyx sends deepObject parameters as `filter[phone_number]`: the base must be a query
// parameter whose schema has the inner property.
function queryKeyKnown(
  document: OpenApiDocument,
  parameters: { name: string; in: string; schema?: Schema }[],
  key: string,
): boolean {
  const queryParameters = parameters.filter((parameter) => parameter.in === 'query');
  if (queryParameters.some((parameter) => parameter.name === key)) {
    return true;
  }
  const deep = /^([^[]+)\[([^\]]+)\]$/.exec(key);
  if (!deep) {
    return false;
  }
  const base = queryParameters.find((parameter) => parameter.name === deep[1]);
  const properties = base?.schema && propertiesOf(document, base.schema);
  return properties !== undefined && deep[2] in properties;
}

function propertiesOf(document: OpenApiDocument, node: Schema): Record<string, Schema> | undefined {
  const schema = resolveRef(document, node);
  const parts = [
    schema,
    ...((schema.allOf as Schema[] | undefined) ?? []).map((part) => resolveRef(document, part)),
  ];
  const merged = Object.assign({}, ...parts.map((part) => (part.properties as Record<string, Schema>) ?? {}));
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function unknownFields(document: OpenApiDocument, node: Schema, value: unknown, at: string): string[] {
  const schema = resolveRef(document, node);
  if (Array.isArray(value)) {
    return schema.items
      ? value.flatMap((item, index) =>
          unknownFields(document, schema.items as Schema, item, `${at}[${index}]`),
        )
      : [];
  }
  if (typeof value !== 'object' || value === null) {
    return [];
  }
  if (schema.type === 'array' || schema.items) {
    // An XML list: <TelephoneNumbers><TelephoneNumber>...</TelephoneNumber></TelephoneNumbers>.
    return Object.entries(value).flatMap(([element, items]) =>
      (Array.isArray(items) ? items : [items]).flatMap((item) =>
        unknownFields(document, (schema.items as Schema) ?? {}, item, `${at}.${element}`),
      ),
    );
  }
  const properties = propertiesOf(document, schema);
  if (!properties) {
    return [];
  }
  return Object.entries(value).flatMap(([key, child]) => {
    if (key === '?xml') {
      return [];
    }
    return key in properties
      ? unknownFields(document, properties[key], child, `${at}.${key}`)
      : [`${at}: field ${key} is not in the spec's schema`];
  });
}

function invalidValues(document: OpenApiDocument, schema: Schema, body: unknown, at: string): string[] {
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: true, logger: false });
  addFormats(ajv);
  ajv.addFormat('http-method', true);
  ajv.addFormat('phone-number', true);
  const validate = ajv.compile({ ...resolveRef(document, schema), components: document.components });
  const checked =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? Object.fromEntries(Object.entries(body).filter(([, value]) => value !== ''))
      : body;
  if (validate(checked)) {
    return [];
  }
  return (validate.errors ?? []).map((error) => `${at} body${error.instancePath} ${error.message}`);
}
