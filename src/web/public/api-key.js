// The optional API key: one field, remembered in localStorage, read by both the socket and the upload.

const STORAGE_KEY = 'parakeet-nest.api-key';

export function setupApiKey(input, showButton) {
  try {
    input.value = localStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    // Storage can be disabled (private modes, policies); the field still works for this visit.
  }
  input.addEventListener('input', () => {
    try {
      const key = input.value.trim();
      if (key) localStorage.setItem(STORAGE_KEY, key);
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      /* see above */
    }
  });
  showButton.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    showButton.setAttribute('aria-pressed', String(show));
    showButton.textContent = show ? 'Hide' : 'Show';
  });
  return () => input.value.trim();
}
