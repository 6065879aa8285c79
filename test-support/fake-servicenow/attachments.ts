import { sendError, sendJson } from './http-io.ts';
import { formatServiceNowTime } from './time.ts';
import { newSysId } from './tables.ts';
import type { RouteContext } from './table-routes.ts';

export interface StoredAttachment {
  sysId: string;
  tableName: string;
  tableSysId: string;
  fileName: string;
  contentType: string;
  bytes: Buffer;
  createdOn: string;
}

/**
 * POST /api/now/attachment/file: raw body, metadata in the query string. `maxBytes` plays the
 * property com.glide.attachment.max_size (fact sheet: default 1024 MB). ASSUMPTION (not in the fact
 * sheet): a file over it is refused with 413 and nothing is stored.
 */
export function handleAttachmentUpload(ctx: RouteContext, attachments: StoredAttachment[], now: Date, maxBytes: number): void {
  const params = ctx.url.searchParams;
  const tableName = params.get('table_name');
  const tableSysId = params.get('table_sys_id');
  const fileName = params.get('file_name');
  const contentType = ctx.contentType;
  if (!tableName || !tableSysId || !fileName) return sendError(ctx.response, 400, 'table_name, table_sys_id and file_name are required', null);
  if (!contentType) return sendError(ctx.response, 400, 'Content-Type is required', null);
  if (ctx.body.length > maxBytes) return sendError(ctx.response, 413, 'Request entity too large', `The attachment is larger than the maximum size of ${maxBytes} bytes`);
  if (!ctx.tables.get(tableName, tableSysId)) return sendError(ctx.response, 400, 'Failed to create the attachment', 'Invalid table name or table sys_id');
  const attachment: StoredAttachment = { sysId: newSysId(), tableName, tableSysId, fileName, contentType, bytes: ctx.body, createdOn: formatServiceNowTime(now) };
  attachments.push(attachment);
  const location = `${ctx.url.origin}/api/now/attachment/${attachment.sysId}`;
  sendJson(
    ctx.response,
    201,
    {
      result: {
        sys_id: attachment.sysId,
        table_name: tableName,
        table_sys_id: tableSysId,
        file_name: fileName,
        content_type: contentType,
        size_bytes: String(ctx.body.length),
        sys_created_on: attachment.createdOn,
        sys_created_by: ctx.user,
        download_link: `${location}/file`,
      },
    },
    { location },
  );
}

/** GET /api/now/attachment/{sys_id}/file */
export function handleAttachmentDownload(ctx: RouteContext, attachments: StoredAttachment[], sysId: string): void {
  const attachment = attachments.find((a) => a.sysId === sysId);
  if (!attachment) return sendError(ctx.response, 404, 'Record doesn\'t exist or ACL restricts the record retrieval', null);
  ctx.response.writeHead(200, { 'content-type': attachment.contentType, 'content-length': attachment.bytes.length });
  ctx.response.end(attachment.bytes);
}
