import type { z } from 'zod';
import type { ConnectorDefinition } from './connector.types.ts';

/** Declares a connector; the identity function gives the definition its inferred types. */
export function defineConnector<ConfigSchema extends z.ZodType, CredentialsSchema extends z.ZodType>(
  definition: ConnectorDefinition<ConfigSchema, CredentialsSchema>,
): ConnectorDefinition<ConfigSchema, CredentialsSchema> {
  return definition;
}

export type AnyConnector = ConnectorDefinition<z.ZodType, z.ZodType>;
