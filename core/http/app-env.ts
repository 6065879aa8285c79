import type { Principal } from '../auth/principal.ts';
import type { Logger } from '../logging/logger.ts';

/** Per-request values that middleware sets for later middleware and handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    principal: Principal | undefined;
  };
}
