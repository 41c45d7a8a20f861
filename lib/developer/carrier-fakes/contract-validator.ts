/**
 * Checks requests against a carrier contract: which operations exist (method + path template),
 * and JSON Schemas for their path parameters, query and body. The fakes answer a request that
 * fails here the way the carrier would (400/422) and record it as a contract violation.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** A JSON Schema, as plain data. */
export type JsonSchema = Record<string, unknown>;

/** One operation of a carrier contract. */
export interface ContractOperation {
  /** The carrier's operationId, e.g. `UpdatePhoneNumberVoiceSettings`. */
  readonly operationId: string;
  readonly method: string;
  /** Path template relative to the API base, e.g. `/phone_numbers/{id}/voice`. */
  readonly path: string;
  /** Schema of each path parameter. */
  readonly pathParams?: Record<string, JsonSchema>;
  /** Schema of the query as a flat object of strings (`filter[phone_number]` stays one key). */
  readonly query?: JsonSchema;
  /** Schema of the parsed body; absent means the operation takes no body. */
  readonly body?: JsonSchema;
  /** Content type the body must be sent with. */
  readonly contentType?: 'application/json' | 'application/x-www-form-urlencoded' | 'application/xml';
}

/** A request matched to its operation. */
export interface MatchedOperation {
  readonly operation: ContractOperation;
  readonly params: Record<string, string>;
}

interface CompiledOperation {
  readonly operation: ContractOperation;
  readonly pattern: RegExp;
  readonly paramNames: string[];
  readonly literalLength: number;
  readonly validatePath?: ValidateFunction;
  readonly validateQuery?: ValidateFunction;
  readonly validateBody?: ValidateFunction;
}

/** Validates requests against a list of contract operations with ajv. */
export class ContractValidator {
  private readonly compiled: CompiledOperation[];

  /** `definitions` are shared schemas the operations may `$ref` as `#/definitions/<name>`. */
  constructor(operations: ContractOperation[], definitions: Record<string, JsonSchema> = {}) {
    // Query strings, form fields and XML text are all strings on the wire: coerce them to the
    // schema's types there; JSON bodies are checked without coercion so a "true" is not a true.
    const coercing = newAjv(true);
    const exact = newAjv(false);
    const withDefinitions = (schema: JsonSchema) => ({ ...schema, definitions });
    this.compiled = operations
      .map((operation) => {
        const paramNames: string[] = [];
        const source = operation.path
          .split(/(\{[^}]+\})/)
          .map((part) => {
            const param = /^\{([^}]+)\}$/.exec(part);
            if (param) {
              paramNames.push(param[1]);
              return '([^/]+?)';
            }
            return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          })
          .join('');
        const bodyAjv = operation.contentType === 'application/json' ? exact : coercing;
        return {
          operation,
          pattern: new RegExp(`^${source}$`),
          paramNames,
          literalLength: operation.path.replace(/\{[^}]+\}/g, '').length,
          validatePath: operation.pathParams
            ? coercing.compile(
                withDefinitions({
                  type: 'object',
                  properties: operation.pathParams,
                  required: Object.keys(operation.pathParams),
                }),
              )
            : undefined,
          validateQuery: operation.query ? coercing.compile(withDefinitions(operation.query)) : undefined,
          validateBody: operation.body ? bodyAjv.compile(withDefinitions(operation.body)) : undefined,
        };
      })
      // Literal paths win over templates (`/jobs/update_phone_numbers` before `/{id}/voice`).
      .sort((a, b) => b.literalLength - a.literalLength);
  }

  /** The operation `method path` is, or undefined when the contract has none. */
  match(method: string, path: string): MatchedOperation | undefined {
    for (const candidate of this.compiled) {
      if (candidate.operation.method !== method) {
        continue;
      }
      const found = candidate.pattern.exec(path);
      if (found) {
        const params = Object.fromEntries(
          candidate.paramNames.map((name, index) => [name, decodeURIComponent(found[index + 1])]),
        );
        return { operation: candidate.operation, params };
      }
    }
    return undefined;
  }

  /**
   * Problems of a matched request, as readable lines; empty when it conforms. `body` is the parsed
   * body (undefined when none was sent); `contentType` the request's header.
   */
  validate(
    matched: MatchedOperation,
    query: Record<string, string>,
    body: unknown,
    contentType: string | undefined,
  ): string[] {
    const compiled = this.compiled.find((candidate) => candidate.operation === matched.operation)!;
    const { operation } = matched;
    const problems: string[] = [];
    if (compiled.validatePath && !compiled.validatePath({ ...matched.params })) {
      problems.push(...describe('path', compiled.validatePath.errors));
    }
    if (compiled.validateQuery) {
      if (!compiled.validateQuery({ ...query })) {
        problems.push(...describe('query', compiled.validateQuery.errors));
      }
    } else if (Object.keys(query).length > 0) {
      problems.push(
        `query: ${operation.operationId} takes no query parameters, got ${Object.keys(query).join(', ')}`,
      );
    }
    if (compiled.validateBody) {
      const mediaType = contentType?.split(';')[0].trim().toLowerCase();
      if (operation.contentType && mediaType !== operation.contentType) {
        problems.push(`header: Content-Type must be ${operation.contentType}, got ${contentType ?? 'none'}`);
      }
      if (body === undefined) {
        problems.push(`body: ${operation.operationId} requires a body`);
      } else if (!compiled.validateBody(structuredClone(body))) {
        problems.push(...describe('body', compiled.validateBody.errors));
      }
    } else if (body !== undefined) {
      problems.push(`body: ${operation.operationId} takes no body`);
    }
    return problems;
  }
}

function newAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes, logger: false });
  addFormats(ajv);
  // Formats used by the carriers' specs that ajv-formats does not define; their rules are
  // carried by patterns where they matter.
  for (const format of ['http-method', 'phone-number']) {
    ajv.addFormat(format, true);
  }
  return ajv;
}

function describe(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const at = `${where}${error.instancePath}`;
    const extra =
      error.keyword === 'additionalProperties'
        ? ` (${(error.params as { additionalProperty: string }).additionalProperty})`
        : error.keyword === 'enum'
          ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`
          : '';
    return `${at} ${error.message}${extra}`;
  });
}
