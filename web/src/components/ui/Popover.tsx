import { useEffect, useRef, type ReactNode, type RefObject } from 'react';
import { cx } from './cx';

/**
 * A dropdown panel anchored under its trigger. Closes on Escape (returning
 * focus to the trigger) and on a click outside both.
 */
export function Popover({
  open,
  onClose,
  triggerRef,
  children,
  className,
  label,
  align = 'right',
}: {
  open: boolean;
  onClose: () => void;
  triggerRef: RefObject<HTMLElement | null>;
  children: ReactNode;
  className?: string;
  label: string;
  align?: 'left' | 'right';
}) {
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (panel.current?.contains(t) || triggerRef.current?.contains(t)) return;
      onClose();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        onClose();
        triggerRef.current?.focus();
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open, onClose, triggerRef]);

  if (!open) return null;
  return (
    <div
      ref={panel}
      role="dialog"
      aria-label={label}
      className={cx(
        'absolute top-full z-40 mt-2 rounded-lg border border-slate-200 bg-white shadow-lg',
        align === 'right' ? 'right-0' : 'left-0',
        className,
      )}
    >
      {children}
    </div>
  );
}
