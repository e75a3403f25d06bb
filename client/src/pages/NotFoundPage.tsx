import { Link } from '../router/router.tsx';
import { EmptyState } from '../components/ui.tsx';

export function NotFoundPage({ what = 'This page' }: { what?: string }) {
  return (
    <EmptyState title={`${what} does not exist`}>
      <Link to="/" className="text-indigo-700 underline dark:text-indigo-300">
        Back to the overview
      </Link>
    </EmptyState>
  );
}
