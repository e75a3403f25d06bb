import { describe, expect, it } from 'vitest';
import { oauth1Signature, rfc3986, signatureBaseString, signOneLegged } from '../../server/domain/connectors/oauth1.ts';
import { wooAuthorize } from '../../server/domain/connectors/woocommerce.ts';

/**
 * OAuth 1.0a signing against vectors computed elsewhere (tests/fixtures/platforms/woocommerce/SOURCES.md):
 * the RFC's own example, WooCommerce's documented base string, and signatures the oauth-1.0a npm
 * package (2.2.6, what woocommerce-rest-api-js-lib signs with) computed for the same inputs.
 */

describe('OAuth 1.0a signatures', () => {
  it('RFC 5849 §1.2: GET /photos signed with HMAC-SHA1, consumer and token secrets', () => {
    const url = new URL('http://photos.example.net/photos?file=vacation.jpg&size=original');
    const params = [
      ['oauth_consumer_key', 'dpf43f3p2l4k3l03'],
      ['oauth_token', 'nnch734d00sl2jdk'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '137131202'],
      ['oauth_nonce', 'chapoH'],
    ] as const;
    expect(signatureBaseString('GET', url, [...url.searchParams.entries(), ...params])).toBe(
      'GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26' +
        'oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal',
    );
    const signature = oauth1Signature({
      method: 'GET',
      url,
      params,
      consumerSecret: 'kd94hf93k423kf44',
      tokenSecret: 'pfkkdhi9sl3r4s00',
      signatureMethod: 'HMAC-SHA1',
    });
    expect(signature).toBe('MdpQcU8iPSUjWoN/UDMsK2sui9I=');
  });

  it("WooCommerce's documented base string (Authentication over HTTP)", () => {
    const url = new URL('http://www.example.com/wp-json/wc/v3/orders');
    expect(
      signatureBaseString('get', url, [
        ['oauth_signature_method', 'HMAC-SHA1'],
        ['oauth_consumer_key', 'abc123'],
      ]),
    ).toBe('GET&http%3A%2F%2Fwww.example.com%2Fwp-json%2Fwc%2Fv3%2Forders&oauth_consumer_key%3Dabc123%26oauth_signature_method%3DHMAC-SHA1');
  });

  const jsLibParams = (version = true) =>
    [
      ['oauth_consumer_key', 'ck_standin_0123456789'],
      ['oauth_nonce', 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg'],
      ['oauth_signature_method', 'HMAC-SHA256'],
      ['oauth_timestamp', '1700000000'],
      ...(version ? [['oauth_version', '1.0'] as const] : []),
    ] as const;

  it('one-legged HMAC-SHA256 (key "consumer_secret&"), query parameters signed: as oauth-1.0a computes it', () => {
    const url = new URL('http://127.0.0.1:8080/wp-json/wc/v3/orders?after=2025-01-01T00%3A00%3A00&dates_are_gmt=true&order=asc&orderby=id&page=2&per_page=100');
    expect(signatureBaseString('GET', url, [...url.searchParams.entries(), ...jsLibParams()])).toBe(
      'GET&http%3A%2F%2F127.0.0.1%3A8080%2Fwp-json%2Fwc%2Fv3%2Forders&after%3D2025-01-01T00%253A00%253A00%26dates_are_gmt%3Dtrue%26' +
        'oauth_consumer_key%3Dck_standin_0123456789%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA256%26' +
        'oauth_timestamp%3D1700000000%26oauth_version%3D1.0%26order%3Dasc%26orderby%3Did%26page%3D2%26per_page%3D100',
    );
    expect(oauth1Signature({ method: 'GET', url, params: jsLibParams(), consumerSecret: 'cs_standin_0123456789', signatureMethod: 'HMAC-SHA256' })).toBe(
      'd1Y5pCuoggYGNMxc9Q8zUir6RbpQ1jb0lTUzq75s67k=',
    );
  });

  it("RFC 3986 encoding of values: !*'() and non-ASCII encoded, ~ kept, + and space apart (oauth-1.0a's signature again)", () => {
    expect(rfc3986("café !*'()~+")).toBe('caf%C3%A9%20%21%2A%27%28%29~%2B');
    const url = new URL('http://example.com/wp-json/wc/v3/orders?per_page=100&search=caf%C3%A9%21%2A%27%28%29~%2B%20x');
    expect(url.searchParams.get('search')).toBe("café!*'()~+ x");
    expect(oauth1Signature({ method: 'GET', url, params: jsLibParams(), consumerSecret: 'cs_standin_0123456789', signatureMethod: 'HMAC-SHA256' })).toBe(
      'W26yP4QMSje+UgpENIK7AtXH9qZrLMade+/oBCfXF7A=',
    );
  });

  it('signOneLegged adds the five oauth_* parameters to the query (no oauth_version) and signs them with the rest', () => {
    const url = new URL('http://shop.example/wp-json/wc/v3/orders?page=2&per_page=100');
    const signed = signOneLegged(url, { consumerKey: 'ck_1', consumerSecret: 'cs_1', timestamp: 1700000000, nonce: 'n0nce' });
    const q = Object.fromEntries(signed.searchParams);
    const { oauth_signature, ...rest } = q;
    expect(rest).toEqual({
      page: '2',
      per_page: '100',
      oauth_consumer_key: 'ck_1',
      oauth_nonce: 'n0nce',
      oauth_signature_method: 'HMAC-SHA256',
      oauth_timestamp: '1700000000',
    });
    const params = Object.entries(rest).filter(([k]) => k.startsWith('oauth_'));
    expect(oauth_signature).toBe(oauth1Signature({ method: 'GET', url, params, consumerSecret: 'cs_1', signatureMethod: 'HMAC-SHA256' }));
    // The caller's URL is left alone; two signings differ by their random nonce.
    expect(url.search).toBe('?page=2&per_page=100');
    const a = signOneLegged(url, { consumerKey: 'ck_1', consumerSecret: 'cs_1' }).searchParams;
    const b = signOneLegged(url, { consumerKey: 'ck_1', consumerSecret: 'cs_1' }).searchParams;
    expect(a.get('oauth_nonce')).toMatch(/^[0-9a-f]{32}$/);
    expect(a.get('oauth_nonce')).not.toBe(b.get('oauth_nonce'));
  });
});

describe('wooAuthorize: the scheme decides', () => {
  const credentials = { consumerKey: 'ck_1', consumerSecret: 'cs_1' };

  it('https: Basic auth, the URL untouched', () => {
    const url = new URL('https://shop.example/wp-json/wc/v3/orders?page=1');
    const auth = wooAuthorize(url, credentials);
    expect(auth.headers).toEqual({ Authorization: `Basic ${Buffer.from('ck_1:cs_1').toString('base64')}` });
    expect(auth.url.href).toBe(url.href);
  });

  it('http: no Authorization header (WordPress ignores it), OAuth 1.0a in the query', () => {
    const auth = wooAuthorize(new URL('http://shop.example/wp-json/wc/v3/orders?page=1'), credentials);
    expect(auth.headers).toEqual({});
    expect([...auth.url.searchParams.keys()].sort()).toEqual([
      'oauth_consumer_key',
      'oauth_nonce',
      'oauth_signature',
      'oauth_signature_method',
      'oauth_timestamp',
      'page',
    ]);
  });
});
