// "Select all eligible" on /approvals: ticks every row's box (the page also works without it:
// "Approve all eligible on this page" does the same on the server).
document.querySelectorAll('input[data-select-all]').forEach(function (master) {
  master.hidden = false;
  master.addEventListener('change', function () {
    var form = master.closest('form');
    form.querySelectorAll('input[name="' + master.dataset.selectAll + '"]').forEach(function (box) {
      box.checked = master.checked;
    });
  });
});
