import { openStore } from '../persistence';
import { RegistryStore } from '../registry';

/**
 * Publisher accounts of the registry, made to match the password files: created when missing,
 * password reset when present. A deployment runs this before every start of the hub, so the files
 * (or secrets) stay the single source of the passwords and a restart never fails on "exists".
 */
export async function ensurePublishers(databaseUrl: string, publishers: Array<{ name: string; password: string }>): Promise<Array<{ name: string; created: boolean }>> {
  const store = await openStore(databaseUrl);
  try {
    const registry = await RegistryStore.open(store);
    try {
      const done: Array<{ name: string; created: boolean }> = [];
      for (const { name, password } of publishers) {
        try {
          await registry.setPublisherPassword(name, password);
          done.push({ name, created: false });
        } catch (error) {
          if (!/^no publisher/.test((error as Error).message)) throw error;
          await registry.createPublisher(name, password);
          done.push({ name, created: true });
        }
      }
      return done;
    } finally {
      await registry.close();
    }
  } finally {
    await store.close();
  }
}
