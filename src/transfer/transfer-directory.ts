/**
 * Where departments are and whom to trust: the transfer layer's view of the registry. The real
 * one reads the UDDI registry through dynamic binding (src/binding); certificates come only from
 * there, never from a message.
 */
export interface TransferDirectory {
  /**
   * Calls `post` with a TransferService URL of the department until one answers: with the
   * registry, the UDDI invocation pattern (a moved engine is followed, dead bindings are skipped).
   */
  deliver<T>(department: string, post: (url: string) => Promise<T>): Promise<T>;
  /** The PEM certificate(s) the registry holds for a department; undefined for a non-participant. */
  certificateFor(department: string): Promise<string | readonly string[] | undefined>;
}

/** The path every department serves its TransferService on. */
export const TRANSFER_SERVICE_PATH = '/services/TransferService';
/** The hub's relay (relayed routing). */
export const TRANSFER_RELAY_PATH = '/services/TransferRelay';
/** The interflow:service-type of TransferService bindings in the registry. */
export const TRANSFER_SERVICE_TYPE = 'transfer-service';
