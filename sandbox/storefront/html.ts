import { ITEMS, WAREHOUSES, type Warehouse } from '../catalog.ts';

/** Storefront pages. Stable data-testid attributes are the contract with browser probes. */
export const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · Sandbox Supply Co.</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}nav a{margin-right:1rem}</style>
</head><body><nav><a href="/" data-testid="nav-catalog">Catalog</a><a href="/cart" data-testid="nav-cart">Cart</a></nav>
<h1>${esc(title)}</h1>
${body}
</body></html>`;
}

export function catalogPage(availability: (sku: string, wh: Warehouse) => number): string {
  const rows = ITEMS.map(
    (i) => `<tr data-testid="product-${esc(i.sku)}"><td>${esc(i.sku)}</td><td>${esc(i.description)}</td><td>${esc(i.uom)}</td>
${WAREHOUSES.map((w) => `<td data-testid="availability-${esc(i.sku)}-${w}">${availability(i.sku, w)}</td>`).join('')}
<td><form method="post" action="/cart/add"><input type="hidden" name="sku" value="${esc(i.sku)}">
<input type="number" name="qty" value="1" min="1" step="1" data-testid="qty-${esc(i.sku)}">
<button type="submit" data-testid="add-${esc(i.sku)}">Add to cart</button></form></td></tr>`,
  ).join('\n');
  return page(
    'Catalog',
    `<table data-testid="catalog"><thead><tr><th>SKU</th><th>Description</th><th>Unit</th>${WAREHOUSES.map((w) => `<th>${w}</th>`).join('')}<th></th></tr></thead>
<tbody>${rows}</tbody></table>`,
  );
}

export function cartPage(lines: Array<{ sku: string; qty: number; uom: string }>): string {
  if (lines.length === 0) return page('Cart', '<p data-testid="cart-empty">Your cart is empty.</p>');
  return page(
    'Cart',
    `<table data-testid="cart"><thead><tr><th>SKU</th><th>Quantity</th><th>Unit</th></tr></thead><tbody>
${lines.map((l) => `<tr data-testid="cart-line-${esc(l.sku)}"><td>${esc(l.sku)}</td><td data-testid="cart-qty-${esc(l.sku)}">${l.qty}</td><td>${esc(l.uom)}</td></tr>`).join('\n')}
</tbody></table><p><a href="/checkout" data-testid="cart-checkout">Checkout</a></p>`,
  );
}

export function checkoutPage(lineCount: number, error?: string): string {
  return page(
    'Checkout',
    `${error ? `<p role="alert" data-testid="checkout-error">${esc(error)}</p>` : ''}
<p>${lineCount} line(s) in the cart.</p>
<form method="post" action="/checkout" data-testid="checkout-form">
<label>Customer <input name="customer" required data-testid="checkout-customer"></label><br>
<label>PO number <input name="poNumber" required data-testid="checkout-po"></label><br>
<label>Ship from <select name="warehouse" data-testid="checkout-warehouse">
<option value="EAST">EAST</option><option value="WEST">WEST</option><option value="CENTRAL">CENTRAL</option></select></label><br>
<button type="submit" data-testid="checkout-submit">Place order</button>
</form>`,
  );
}

export function orderPage(o: { orderId: string; status: string; correlationId: string; poNumber: string; updatedAt: string; lines: Array<{ sku: string; quantity: number; uom: string }> }): string {
  return page(
    `Order ${o.orderId}`,
    `<dl>
<dt>Order</dt><dd data-testid="order-id">${esc(o.orderId)}</dd>
<dt>Status</dt><dd data-testid="order-status">${esc(o.status)}</dd>
<dt>PO number</dt><dd data-testid="order-po">${esc(o.poNumber)}</dd>
<dt>Updated</dt><dd data-testid="order-updated-at">${esc(o.updatedAt)}</dd>
<dt>Reference</dt><dd data-testid="order-correlation-id">${esc(o.correlationId)}</dd>
</dl>
<ul>${o.lines.map((l) => `<li>${esc(l.sku)} × ${l.quantity} ${esc(l.uom)}</li>`).join('')}</ul>`,
  );
}
