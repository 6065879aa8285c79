import type { AnyConnector } from './sdk/define-connector.ts';
import { servicenow } from './servicenow/connector.ts';
import { slack } from './slack/connector.ts';

// Adding a connector: one folder next to this file, and one line here.
export const connectors: readonly AnyConnector[] = [servicenow as unknown as AnyConnector, slack as unknown as AnyConnector];
