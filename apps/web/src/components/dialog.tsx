import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

let nextId = 0;

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

const FIELDS = 'input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled])';

/**
 * Where focus starts: the element marked data-autofocus (Cancel in a confirmation), else the first field
 * of a form (the checked choice of a radio group), else the first control of the body or footer; the
 * close button (✕) only when there is nothing else.
 */
function initialFocus(dialog: HTMLDialogElement): HTMLElement | null {
  const marked = dialog.querySelector<HTMLElement>('[data-autofocus]');
  if (marked) return marked;
  const field = dialog.querySelector<HTMLInputElement>(`.dialog-body :is(${FIELDS})`);
  if (field?.type === 'radio' && field.name) {
    return field.form?.querySelector<HTMLInputElement>(`input[type="radio"][name="${field.name}"]:checked`) ?? field;
  }
  return (
    field ??
    dialog.querySelector<HTMLElement>(`.dialog-body :is(${FOCUSABLE})`) ??
    dialog.querySelector<HTMLElement>(`.dialog-footer :is(${FOCUSABLE})`) ??
    dialog.querySelector<HTMLElement>(FOCUSABLE)
  );
}

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  /** Buttons at the bottom, right-aligned. */
  footer?: ComponentChildren;
  size?: 'small' | 'medium';
  tone?: 'default' | 'danger';
}

/**
 * A modal dialog on the native <dialog> element: the page behind it is inert,
 * Tab and Shift+Tab cycle inside it, Escape closes it, and focus goes back to
 * the control that opened it. Mount it to open it, unmount it to close it.
 */
export function Dialog({ title, onClose, children, footer, size = 'medium', tone = 'default' }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useRef(`dialog-title-${++nextId}`).current;
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useLayoutEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    initialFocus(dialog)?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener && opener.isConnected) opener.focus();
    };
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Tab') return;
    const items = Array.from(ref.current!.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.offsetParent !== null);
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      class={`dialog dialog-${size} dialog-${tone}`}
      aria-labelledby={titleId}
      onKeyDown={onKeyDown}
      onCancel={(event) => {
        // Escape: close through the owner's state, so the dialog unmounts like any other close.
        event.preventDefault();
        onCloseRef.current();
      }}
    >
      <div class="dialog-header">
        <h2 id={titleId} class="dialog-title" title={title}>
          {title}
        </h2>
        <button type="button" class="icon-button" aria-label="Close" onClick={() => onCloseRef.current()}>
          <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
            <path d="M5 5l10 10M15 5L5 15" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
          </svg>
        </button>
      </div>
      <div class="dialog-body">{children}</div>
      {footer && <div class="dialog-footer">{footer}</div>}
    </dialog>
  );
}

/** A form dialog's footer: Cancel, and the submit button of the form `form` (its label while `busy` saying so). */
export function FormFooter({
  form,
  busy,
  onCancel,
  label = 'Save',
  busyLabel = 'Saving…',
}: {
  form: string;
  busy: boolean;
  onCancel: () => void;
  label?: string;
  busyLabel?: string;
}) {
  return (
    <>
      <button type="button" class="btn btn-secondary" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" form={form} class="btn btn-primary" disabled={busy}>
        {busy ? busyLabel : label}
      </button>
    </>
  );
}
