/** A 1-based page of a console table. */
export interface PageInput {
  page: number;
  pageSize: number;
}

/** The store's limit and offset for a page. */
export function limitOffset(p: PageInput): { limit: number; offset: number } {
  return { limit: p.pageSize, offset: (p.page - 1) * p.pageSize };
}

/** A store's answer with the page it answers, as the console's tables read it. */
export function withPage<T extends object>(result: T, p: PageInput): T & PageInput {
  return { ...result, page: p.page, pageSize: p.pageSize };
}
