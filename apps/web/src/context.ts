import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api, Organization } from './api';

export interface Session {
  api: Api;
  organization: Organization;
  /** After a rename: the header and every page show the new name. */
  setOrganization: (organization: Organization) => void;
  /** Last characters of the signed-in key, to warn before deleting it. */
  keyHint: string;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
