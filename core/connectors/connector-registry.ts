import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';

/** The connectors this hub offers. Core depends on this lookup, never on a specific connector. */
export interface ConnectorRegistry {
  get(id: string): AnyConnector | undefined;
  list(): readonly AnyConnector[];
}

export function createConnectorRegistry(connectors: readonly AnyConnector[]): ConnectorRegistry {
  const byId = new Map(connectors.map((connector) => [connector.id, connector]));
  if (byId.size !== connectors.length) throw new Error('two connectors share an id');
  return {
    get: (id) => byId.get(id),
    list: () => connectors,
  };
}
