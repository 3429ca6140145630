import { UNMATCHED_ROUTE, methodLabel, routeLabel } from './route-label';

describe(routeLabel.name, () => {
  it('labels a request with the pattern of the route that handled it', () => {
    expect(routeLabel({ route: { path: '/inference/:id/status' } })).toBe('/inference/:id/status');
  });

  it('gives every request that matched no route one shared label', () => {
    expect(routeLabel({})).toBe(UNMATCHED_ROUTE);
    expect(routeLabel({ route: { path: '' } })).toBe(UNMATCHED_ROUTE);
    expect(routeLabel({ route: { path: /regex/ } })).toBe(UNMATCHED_ROUTE);
  });
});

describe(methodLabel.name, () => {
  it('keeps standard methods', () => {
    expect(methodLabel({ method: 'HEAD' })).toBe('HEAD');
    expect(methodLabel({ method: 'post' })).toBe('POST');
  });

  it('folds unknown methods into one label', () => {
    expect(methodLabel({ method: 'BREW' })).toBe('other');
    expect(methodLabel({})).toBe('other');
  });
});
