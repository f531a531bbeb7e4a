import { textLength } from '@app/api-types/limits';

interface LimitedInputProps {
  id: string;
  value: string;
  /** The most characters the API accepts (TEXT_LIMITS). */
  limit: number;
  onValue: (value: string) => void;
  placeholder?: string;
  required?: boolean;
  /** Ids of hints or errors the input is also described by. */
  describedBy?: string;
  invalid?: boolean;
  /** `email` for an address (the phone's keyboard, no spell check). */
  type?: 'text' | 'email';
}

/** Whether a limited field's text is too long to send. */
export function overLimit(value: string, limit: number): boolean {
  return textLength(value) > limit;
}

/**
 * A text input with a limit: nothing typed or pasted is cut off silently (no maxlength); a counter under it
 * says how many characters are left, or how many too many, and the form refuses to send it while over.
 */
export function LimitedInput({
  id,
  value,
  limit,
  onValue,
  placeholder,
  required,
  describedBy,
  invalid,
  type = 'text',
}: LimitedInputProps) {
  const length = textLength(value);
  const over = length - limit;
  const counterId = `${id}-count`;
  return (
    <>
      <input
        id={id}
        class="input"
        type={type}
        spellcheck={type === 'email' ? false : undefined}
        autoComplete={type === 'email' ? 'off' : undefined}
        required={required}
        placeholder={placeholder}
        value={value}
        aria-invalid={invalid || over > 0 ? true : undefined}
        aria-describedby={[describedBy, counterId].filter(Boolean).join(' ')}
        onInput={(e) => onValue((e.target as HTMLInputElement).value)}
      />
      <p id={counterId} class={`counter${over > 0 ? ' counter-over' : ''}`} data-counter>
        {over > 0
          ? `${over.toLocaleString('en-US')} ${over === 1 ? 'character' : 'characters'} too many: at most ${limit}.`
          : `${length} of ${limit} characters`}
      </p>
      {/* Said once when the text goes over the limit, not on every keystroke. */}
      <span class="visually-hidden" role="status">
        {over > 0 ? `Too long: at most ${limit} characters.` : ''}
      </span>
    </>
  );
}
