// Desktop renderer entry: window.parley comes from the preload; mount the app.
import './lib/csp-safe-zod';
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { AppState } from './lib/app-state.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element.');

export default mount(App, { target, props: { app: new AppState(window.parley) } });
