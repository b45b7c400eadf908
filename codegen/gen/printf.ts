// Event record layouts for printf: header, then each argument 8-byte aligned.
import type { PrintfInfo } from '../../lang/checked.ts';
import { EVENT_HEADER_SIZE, type FieldLayout, type PrintfLayout } from '../object.ts';
import { slotSize } from './maps.ts';

export function printfLayout(p: PrintfInfo): PrintfLayout {
  const args: FieldLayout[] = [];
  let at = EVENT_HEADER_SIZE;
  for (const type of p.argTypes) {
    args.push({ offset: at, type });
    at += slotSize(type);
  }
  return { id: p.id, parts: p.parts, args, size: at };
}
