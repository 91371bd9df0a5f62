import type { BindingTemplate, KeyedReference } from '../registry';
import type { FederationKeys } from './federation-keys';

/**
 * A self-registered binding carries `interflow:lease-until` = an ISO 8601 time in its categoryBag;
 * its engine pushes it forward on every refresh. A binding whose lease has passed belongs to an
 * engine that stopped refreshing (stopped, crashed, cut off): binders skip it and the registry host
 * eventually withdraws it. A binding without a lease (published once, by hand or by another
 * product) never expires this way.
 */

export const LEASE_KEY_NAME = 'lease';

export function leaseReference(keys: FederationKeys, until: Date): KeyedReference {
  return { tModelKey: keys.category('lease-until'), keyName: LEASE_KEY_NAME, keyValue: until.toISOString() };
}

/** The binding's lease, undefined when it has none; an unreadable lease counts as expired long ago. */
export function leaseOf(binding: BindingTemplate, keys: FederationKeys): Date | undefined {
  const leaseKey = keys.category('lease-until');
  const ref = binding.categoryBag?.keyedReferences.find((r) => r.tModelKey === leaseKey);
  if (!ref) return undefined;
  const ms = Date.parse(ref.keyValue);
  return new Date(Number.isFinite(ms) ? ms : 0);
}

export function leaseExpired(binding: BindingTemplate, keys: FederationKeys, now: Date): boolean {
  const lease = leaseOf(binding, keys);
  return lease !== undefined && lease.getTime() <= now.getTime();
}

/** The binding with its lease set to `until` (other categoryBag entries kept). */
export function withLease(binding: BindingTemplate, keys: FederationKeys, until: Date | undefined): BindingTemplate {
  const leaseKey = keys.category('lease-until');
  const others = binding.categoryBag?.keyedReferences.filter((r) => r.tModelKey !== leaseKey) ?? [];
  const groups = binding.categoryBag?.keyedReferenceGroups ?? [];
  const refs = until ? [...others, leaseReference(keys, until)] : others;
  const { categoryBag: _old, ...rest } = binding;
  return refs.length || groups.length ? { ...rest, categoryBag: { keyedReferences: refs, keyedReferenceGroups: groups } } : rest;
}
