import { expect } from 'chai';
import { Document, Lines } from '../../../src/web/layout.js';
import { render } from '../../../src/web/render.js';

const HOSTILE = `<script>alert("x")</script> & 'y'`;
const ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;';

describe('web/render', () => {
  it('escapes text and attribute values', () => {
    expect(render(<p title={HOSTILE}>{HOSTILE}</p>)).to.equal(`<p title="${ESCAPED}">${ESCAPED}</p>`);
  });

  it('puts a doctype first only when asked', () => {
    expect(render(<p>a</p>, { doctype: true })).to.equal('<!doctype html>\n<p>a</p>\n');
    expect(render(<p>a</p>)).to.equal('<p>a</p>');
  });

  it('refuses an async component rather than print a promise', () => {
    const Later = async (): Promise<string> => 'later';
    expect(() => render(<div><Later /></div>)).to.throw(TypeError, /synchronous/);
  });

  it('Lines escapes each line and keeps the breaks as <br>', () => {
    expect(render(<p><Lines text={'a & b\r\n<b>c</b>\rd\ne'} /></p>))
      .to.equal('<p>a &amp; b<br>&lt;b&gt;c&lt;/b&gt;<br>d<br>e</p>');
  });

  it('Document escapes its title and leaves out what it was not given', () => {
    expect(render(<Document title={HOSTILE}>body</Document>, { doctype: true })).to.equal(
      `<!doctype html>\n<html><head><meta charset="utf-8"/><title>${ESCAPED}</title></head><body>body</body></html>\n`,
    );
  });
});
