import type { AppEnv } from '../core/http/app-env.ts';
import type { AdminSession } from './auth/session.service.ts';

/** Per-request values of the admin UI, on top of the API's (request id, logger). */
export interface AdminEnv {
  Variables: AppEnv['Variables'] & {
    session: AdminSession | undefined;
    /** Whether the browser reached us over https; decides cookie names and the Secure flag. */
    secure: boolean;
  };
}
