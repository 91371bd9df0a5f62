import { openRegistryStore, openStore } from '../persistence';

/**
 * Publisher accounts of the registry, made to match the password files: created when missing,
 * password reset and department (re)assigned when present. A deployment runs this before every
 * start of the hub, so the files (or secrets) stay the single source of the passwords, a restart
 * never fails on "exists", and publishers created before departments were assigned get theirs.
 */
export async function ensurePublishers(databaseUrl: string, publishers: Array<{ name: string; password: string; department: string }>): Promise<Array<{ name: string; department: string; created: boolean }>> {
  const store = await openStore(databaseUrl);
  try {
    const registry = await openRegistryStore(store);
    try {
      const done: Array<{ name: string; department: string; created: boolean }> = [];
      for (const { name, password, department } of publishers) {
        if (await registry.getPublisher(name)) {
          await registry.setPublisherPassword(name, password);
          await registry.setPublisherDepartment(name, department);
          done.push({ name, department, created: false });
        } else {
          await registry.createPublisher(name, password, { department });
          done.push({ name, department, created: true });
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
