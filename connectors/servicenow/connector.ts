import { defineConnector } from '../sdk/define-connector.ts';
import { servicenowActions } from './actions.ts';
import { checkServiceNow } from './check.ts';
import { instanceBase, ServiceNowConfig, ServiceNowCredentials } from './config.ts';
import { recordVersion } from './mappers.ts';
import { tableStream } from './stream.ts';
import { servicenowWebhook } from './webhook.ts';

export const servicenow = defineConnector({
  id: 'servicenow',
  displayName: 'ServiceNow',
  description: 'Incidents, changes and catalog tasks from the ServiceNow Table API; creates incidents, notes, state changes and attachments.',
  config: ServiceNowConfig,
  credentials: ServiceNowCredentials,
  auth: [
    { type: 'basic', description: 'User name and password of a dedicated integration user (time zone UTC).' },
    {
      type: 'oauth2',
      grantTypes: ['password', 'refresh_token', 'client_credentials'],
      description: 'An OAuth API endpoint (Application Registry). Client credentials need Washington DC or later and a system property.',
    },
    { type: 'webhook_signature', scheme: 'standard_webhooks', description: 'The Business Rule in the connector README signs pushes with webhookSecret.' },
  ],
  baseUrl: instanceBase,
  oauth2: {
    tokenUrl: (config) => `${instanceBase(config)}/oauth_token.do`,
    // ServiceNow documents client_id/client_secret in the form body, not an Authorization header.
    authorizationMethod: 'body',
    bodyFormat: 'form',
  },
  check: checkServiceNow,
  streams: {
    incident: tableStream('incident', 'Incidents, oldest change first (sys_updated_on).'),
    change_request: tableStream('change_request', 'Change requests, oldest change first (sys_updated_on).'),
    sc_task: tableStream('sc_task', 'Service catalog tasks, oldest change first (sys_updated_on).'),
  },
  webhook: servicenowWebhook,
  actions: servicenowActions,
  recordVersion,
});
