import { compactInputClass } from './ui.tsx';

export function OrgPicker({ orgs, value, onChange }: { orgs: Array<{ id: string; name: string }>; value?: string; onChange: (id: string) => void }) {
  if (orgs.length <= 1) return null;
  return (
    <select className={compactInputClass} aria-label="Organization" value={value} onChange={(e) => onChange(e.target.value)}>
      {orgs.map((o) => (
        <option key={o.id} value={o.id}>
          {o.name}
        </option>
      ))}
    </select>
  );
}
