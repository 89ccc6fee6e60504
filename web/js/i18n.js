// Ukrainian by default, English on a click: the UI's strings and number format.

const T = {
  uk: {
    logout: 'Вийти', login_title: 'Вхід', username: 'Користувач', password: 'Пароль', login: 'Увійти',
    tab_order: 'Розпорядження', tab_register: 'Реєстрація', tab_settlement: 'Населений пункт', tab_centres: 'Центри',
    tab_plan: 'План', tab_audit: 'Журнал', tab_users: 'Користувачі', draft_order: 'Проєкт розпорядження',
    issue: 'Видати розпорядження', issued_orders: 'Видані розпорядження', ordered_settlements: 'Населені пункти в зоні',
    settlement: 'Нас. пункт', zone: 'Зона', km: 'км', population: 'Населення', register_household: 'Реєстрація домогосподарства',
    head_name: 'ПІБ голови домогосподарства', members: 'Осіб', needs: 'Потреби', phone: 'Телефон', register: 'Зареєструвати',
    choose_settlement: 'Оберіть населений пункт на карті', households: 'Домогосподарства', centres: 'Пункти прийому',
    plan: 'План евакуації', audit: 'Журнал дій', when: 'Коли', who: 'Хто', action: 'Дія', target: "Об'єкт", users: 'Користувачі',
    add_user: 'Додати', mandatory: 'обов’язкова', advisory: 'рекомендована', outside: 'поза зоною',
    registered: 'зареєстровано', departed: 'виїхали', arrived: 'прибули', refused: 'відмовились', remaining: 'залишаються',
    returned: 'повернулись', print: 'друк', order_no: 'Розпорядження №', issued: 'Видано', saved: 'Збережено, №',
    duplicate: 'Можливий дублікат', depart: 'виїхав', arrive: 'прибув', refuse: 'відмова', free: 'вільно',
    wrong_login: 'Невірний користувач або пароль', clearance: 'Остання машина в безпеці', optimum: 'Оптимум',
    baseline: 'Без плану', bottlenecks: 'Вузькі місця', transit_done: 'Транспорт: остання людина в безпеці',
    no_plan: 'План ще не розраховано (evac up / evac plan).', legend_ordered: 'у зоні', legend_evacuating: 'евакуація триває',
    legend_cleared: 'евакуйовано', legend_refused: 'є відмови', legend_outside: 'поза зоною', vehicles: 'машин',
    disabled: 'вимкнено', disable: 'вимкнути', enable: 'увімкнути', reset_password: 'новий пароль', end_sessions: 'завершити сеанси',
    delete: 'видалити', confirm_delete: 'Видалити цей обліковий запис?', new_password: 'Новий пароль (показано один раз) для',
  },
  en: {
    logout: 'Log out', login_title: 'Log in', username: 'User', password: 'Password', login: 'Log in',
    tab_order: 'Order', tab_register: 'Register', tab_settlement: 'Settlement', tab_centres: 'Centres', tab_plan: 'Plan',
    tab_audit: 'Audit', tab_users: 'Users', draft_order: 'Draft order', issue: 'Issue order', issued_orders: 'Issued orders',
    ordered_settlements: 'Settlements in the zone', settlement: 'Settlement', zone: 'Zone', km: 'km', population: 'Population',
    register_household: 'Register a household', head_name: 'Head of household', members: 'People', needs: 'Needs', phone: 'Phone',
    register: 'Register', choose_settlement: 'Choose a settlement on the map', households: 'Households', centres: 'Reception centres',
    plan: 'Evacuation plan', audit: 'Audit log', when: 'When', who: 'Who', action: 'Action', target: 'Target', users: 'Users',
    add_user: 'Add', mandatory: 'mandatory', advisory: 'advisory', outside: 'outside', registered: 'registered',
    departed: 'departed', arrived: 'arrived', refused: 'refused', remaining: 'remaining', returned: 'returned', print: 'print',
    order_no: 'Order No.', issued: 'Issued', saved: 'Saved, id', duplicate: 'Possible duplicate', depart: 'departed',
    arrive: 'arrived', refuse: 'refused', free: 'free', wrong_login: 'Wrong user or password', clearance: 'Last vehicle safe',
    optimum: 'Optimum', baseline: 'Without a plan', bottlenecks: 'Bottlenecks', transit_done: 'Transit: last person safe',
    no_plan: 'No plan computed yet (evac up / evac plan).', legend_ordered: 'in the zone', legend_evacuating: 'evacuating',
    legend_cleared: 'cleared', legend_refused: 'refusals', legend_outside: 'outside', vehicles: 'vehicles',
    disabled: 'disabled', disable: 'disable', enable: 'enable', reset_password: 'new password', end_sessions: 'end sessions',
    delete: 'delete', confirm_delete: 'Delete this account?', new_password: 'New password (shown once) for',
  },
};

let lang = localStorage.getItem('evac-lang') || 'uk';

export const t = (k) => (T[lang] && T[lang][k]) || k;
export const fmt = (n) => Number(n || 0).toLocaleString(lang === 'uk' ? 'uk-UA' : 'en-GB');

export function toggleLang() {
  lang = lang === 'uk' ? 'en' : 'uk';
  localStorage.setItem('evac-lang', lang);
}

// Every element with data-i18n shows its string in the current language.
export function translate() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.getElementById('lang').textContent = lang === 'uk' ? 'EN' : 'UA';
}
