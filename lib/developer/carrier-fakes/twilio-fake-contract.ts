/**
 * The fake Twilio's contract: the trimmed official OpenAPI documents in
 * contracts/twilio-contract.json (REST 2010-04-01 and Elastic SIP Trunking v1) as operations the
 * ContractValidator checks, stricter in one way: form fields an operation does not define are
 * violations (Twilio would silently ignore them, hiding typos).
 */
import type { ContractOperation, JsonSchema } from './contract-validator';
import contract from './contracts/twilio-contract.json';

interface OpenApiOperation {
  operationId: string;
  parameters?: { name: string; in: string; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

/** Turns the trimmed OpenAPI documents into contract operations and shared definitions. */
export function twilioOperations(): [ContractOperation[], Record<string, JsonSchema>] {
  const operations: ContractOperation[] = [];
  let definitions: Record<string, JsonSchema> = {};
  for (const api of [contract.api_v2010, contract.trunking_v1]) {
    // The validator resolves shared schemas under #/definitions.
    const rewritten = JSON.parse(
      JSON.stringify(api).replaceAll('#/components/schemas/', '#/definitions/'),
    ) as {
      paths: Record<string, Record<string, OpenApiOperation>>;
      components: { schemas: Record<string, JsonSchema> };
    };
    definitions = { ...definitions, ...rewritten.components.schemas };
    for (const [path, methods] of Object.entries(rewritten.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const parameters = operation.parameters ?? [];
        const inPlace = (where: string) =>
          Object.fromEntries(
            parameters
              .filter((parameter) => parameter.in === where)
              .map((parameter) => [parameter.name, parameter.schema ?? {}]),
          );
        const form = operation.requestBody?.content['application/x-www-form-urlencoded']?.schema;
        operations.push({
          operationId: operation.operationId,
          method: method.toUpperCase(),
          path,
          pathParams: inPlace('path'),
          query: { type: 'object', additionalProperties: false, properties: inPlace('query') },
          body: form && { ...form, additionalProperties: false },
          contentType: form ? 'application/x-www-form-urlencoded' : undefined,
        });
      }
    }
  }
  return [operations, definitions];
}
