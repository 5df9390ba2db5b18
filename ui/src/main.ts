import { createApp } from 'vue'
import { createRouter, createWebHashHistory } from 'vue-router'
import './fonts.css'
import './style.css'
import App from './App.vue'
import { installFreshness } from './freshness'
import { captureToken } from './transport'
import { views } from './views'
import './theme'

captureToken()

const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    ...views.map((v) => ({ path: v.path, component: v.component, meta: { title: v.title } })),
    { path: '/:rest(.*)*', redirect: views[0]?.path ?? '/' },
  ],
})

installFreshness(router)
createApp(App).use(router).mount('#app')
