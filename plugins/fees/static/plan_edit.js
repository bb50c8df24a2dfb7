// Plan editing: keeps each item's amount and the totals against the city's cap up to date while
// the plan is typed. The server computes the same numbers on every render and decides on save.
(() => {
  const form = document.getElementById('plan-form');
  if (!form) return;
  const toNumber = (text) => {
    const ascii = text.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xFEE0))
      .replace(/[,，\s]/g, '');
    return /^\d{1,12}$/.test(ascii) ? Number(ascii) : null;
  };
  const cap = form.dataset.cap === '' ? null : Number(form.dataset.cap);
  const update = () => {
    let all = 0;
    let required = 0;
    for (const row of form.querySelectorAll('tr.item')) {
      const price = toNumber(row.querySelector('input.price').value);
      const qty = toNumber(row.querySelector('input.qty').value);
      const removed = row.querySelector('input.remove')?.checked ?? false;
      const amount = price !== null && qty !== null && !removed ? price * qty : 0;
      row.querySelector('td.amount').textContent = String(amount);
      row.classList.toggle('removed', removed);
      all += amount;
      if (!row.querySelector('input.optional').checked) required += amount;
    }
    document.getElementById('total-all').textContent = String(all);
    document.getElementById('total-required').textContent = String(required);
    const state = document.getElementById('cap-state');
    if (cap !== null && state) {
      const over = all > cap;
      state.textContent = `${over ? state.dataset.over : state.dataset.left} ${Math.abs(cap - all)}`;
      document.getElementById('plan-totals').classList.toggle('over', over);
    }
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
})();
