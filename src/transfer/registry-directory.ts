import { BindingError, EndpointFailure, type Binder } from '../binding';
import { TRANSFER_SERVICE_TYPE, type TransferDirectory } from './transfer-directory';

/** The TransferDirectory of a federation: departments and their certificates from the registry. */
export class RegistryDirectory implements TransferDirectory {
  constructor(private readonly binder: Binder) {}

  deliver<T>(department: string, post: (url: string) => Promise<T>): Promise<T> {
    return this.binder.invoke({ department, service: TRANSFER_SERVICE_TYPE }, (endpoint) => post(endpoint.url));
  }

  async certificateFor(department: string): Promise<readonly string[] | undefined> {
    try {
      return (await this.binder.certificatesOf(department)).map((c) => c.pem);
    } catch (error) {
      // Not in the registry, or publishing no certificate: not a participant we can trust. A
      // registry that cannot be reached is a different matter: that error goes up, and the sender
      // retries later instead of being told it is unknown.
      if (error instanceof BindingError && (error.code === 'UNKNOWN_DEPARTMENT' || error.code === 'NO_CERTIFICATE')) return undefined;
      throw error;
    }
  }
}

/** Marks an HTTP answer that means "nothing serves this here" as an endpoint failure for the binder. */
export function endpointFailureFor(status: number, url: string): EndpointFailure | undefined {
  return status === 404 || status === 502 || status === 503 || status === 504 ? new EndpointFailure(`${url} answered HTTP ${status}`) : undefined;
}
