// The signed-in key lives in sessionStorage only: it is gone when the tab closes or the admin signs out,
// and never written to localStorage or a cookie.
const STORAGE_KEY = 'torii.settings.apiKey';

export function storedKey(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string): void {
  window.sessionStorage.setItem(STORAGE_KEY, key);
}

export function clearKey(): void {
  try {
    window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage unavailable: nothing was stored
  }
}
