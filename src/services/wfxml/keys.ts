/**
 * Wf-XML resource keys. A key is the URL of the resource's endpoint, so whoever holds one can
 * both name the resource and call it. Instance ids and process ids are path segments, encoded.
 */

export const FACTORY_PATH = '/wfxml/factory/:processId';
export const INSTANCE_PATH = '/wfxml/instance/:instanceId';
export const OBSERVER_PATH = '/wfxml/observer';

function base(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

export function factoryKey(baseUrl: string, processId: string): string {
  return `${base(baseUrl)}/wfxml/factory/${encodeURIComponent(processId)}`;
}

export function instanceKey(baseUrl: string, instanceId: string): string {
  return `${base(baseUrl)}/wfxml/instance/${encodeURIComponent(instanceId)}`;
}

export function observerKey(baseUrl: string): string {
  return `${base(baseUrl)}${OBSERVER_PATH}`;
}

/**
 * Where a remote subprocess is correlated with the activity that waits for it. ASAP gives an
 * observer nothing but its key to tell callbacks apart (StateChangedRq does not even name the
 * instance, and some senders leave out the Request header), so the correlation is part of the key
 * and therefore of the URL the callback is posted to: the waiting instance and the id of the
 * outbox message that called the remote factory. That id is a random UUID only the remote factory
 * learns, so a Completed naming it comes from whoever was asked.
 */
export interface SubprocessCorrelation {
  instanceId: string;
  /** The id of the 'remote-subprocess' outbox message that created the remote instance. */
  messageId: string;
}

export const CORRELATED_OBSERVER_PATH = `${OBSERVER_PATH}/:instanceId/:messageId`;

export function subprocessObserverKey(baseUrl: string, correlation: SubprocessCorrelation): string {
  return `${observerKey(baseUrl)}/${encodeURIComponent(correlation.instanceId)}/${encodeURIComponent(correlation.messageId)}`;
}

/** The correlation carried by a correlated observer key, if it is one. */
export function correlationOf(keyOrUrl: string | undefined): SubprocessCorrelation | undefined {
  const url = parseUrl(keyOrUrl);
  if (!url) return undefined;
  const m = /\/wfxml\/observer\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
  if (!m) return undefined;
  try {
    return { instanceId: decodeURIComponent(m[1]), messageId: decodeURIComponent(m[2]) };
  } catch {
    return undefined;
  }
}

/**
 * Absolute URLs only, and only the ones Interflow can call back: a key is where notifications go.
 * `relative` keys resolve against nothing, so they are refused instead of guessed at.
 */
export function parseUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The decoded path of a key, without a trailing slash, for comparing a key with an endpoint. */
export function keyPath(keyOrUrl: string): string | undefined {
  const url = parseUrl(keyOrUrl);
  if (!url) return undefined;
  const path = url.pathname.replace(/\/+$/, '') || '/';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
