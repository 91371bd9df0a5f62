import { authorize, type AuthorizedAction } from '../security';
import type { SoapContext, SoapHandler, SoapNode } from '../soap';
import { FieldReader } from '../soap';
import type { XmlFragment } from '../soap';
import { checkReceiver, readRequestHeader, responseHeader, type AsapRequestHeader } from './asap-header';
import { asapFault, AsapErrorCodes, toAsapFault } from './asap-fault';

/** What every Wf-XML operation gets: the request, its ASAP header, and the addressed resource's key. */
export interface WfxmlCall {
  body: FieldReader;
  ctx: SoapContext;
  header: AsapRequestHeader;
  /** The key of the resource addressed: the SenderKey of the reply. */
  key: string;
  /** Who asked, for the history: the signing department, the authenticated caller, else the sender's key. */
  actor?: string;
  /** The department whose signature this call carries (calls between department engines). */
  department?: string;
}

export type WfxmlOperation = (call: WfxmlCall) => Promise<string | XmlFragment>;

export interface ResourceBinding {
  /** The resource's key from the request context (its canonical URL). */
  keyOf(ctx: SoapContext): string;
  /** Replaces the default ReceiverKey check (the observer accepts its correlated sub-keys). */
  checkReceiver?(header: AsapRequestHeader, key: string, ctx: SoapContext): void;
}

/**
 * Adapts a Wf-XML operation to the SOAP layer: reads the ASAP Request header (tolerating its
 * absence), refuses a ReceiverKey naming another resource, answers with a Response header, and
 * gives every fault the caller can fix an ASAP fault detail.
 */
export function wfxmlOperation(operation: string, resource: ResourceBinding, fn: WfxmlOperation, options: { departments?: boolean } = {}): SoapHandler {
  return async (body: SoapNode, ctx: SoapContext) => {
    try {
      const department = ctx.signed?.party;
      if (department !== undefined && !options.departments) {
        throw asapFault(
          'Client',
          AsapErrorCodes.forbidden,
          `not authorised: a department's signed call may create instances at a factory and report to an observer, not ${operation.replace(/Rq$/, '')}; call it with user credentials`,
          'FORBIDDEN',
        );
      }
      const header = signedKeys(readRequestHeader(ctx.header), ctx);
      const key = resource.keyOf(ctx);
      (resource.checkReceiver ?? checkReceiver)(header, key, ctx);
      const actor = department !== undefined ? `department:${department}` : (ctx.caller?.username ?? header.senderKey);
      const reply = await fn({ body: FieldReader.of(body, operation), ctx, header, key, ...(actor ? { actor } : {}), ...(department !== undefined ? { department } : {}) });
      return { body: reply, headers: [responseHeader(key, header)] };
    } catch (error) {
      throw toAsapFault(error);
    }
  };
}

/**
 * A signed call's SenderKey and ReceiverKey are the signed ones: the ASAP Request header beside
 * them is not covered by the signature, so whatever it says instead is not believed.
 */
function signedKeys(header: AsapRequestHeader, ctx: SoapContext): AsapRequestHeader {
  if (!ctx.signed) return header;
  const { senderKey: _s, receiverKey: _r, ...rest } = header;
  const senderKey = ctx.signed.header.SenderKey;
  const receiverKey = ctx.signed.header.ReceiverKey;
  return { ...rest, ...(senderKey ? { senderKey } : {}), ...(receiverKey ? { receiverKey } : {}) };
}

/**
 * Checks the caller's permissions as ProcessService does: CreateInstance needs the process in the
 * caller's "start" list; SetDefinition, ChangeState and SetProperties need "admin". Without an
 * authenticated caller (no security configured: tests, embedding) everything is allowed.
 */
export function allow(call: WfxmlCall, action: AuthorizedAction): void {
  if (call.ctx.caller && !call.ctx.signed) authorize(call.ctx.caller, action);
}
